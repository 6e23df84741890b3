#include "pasar/geo/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pasar::geo {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;
// Added to every side of a box so that rounding never excludes a point on the circle.
constexpr double kPadDegrees = 1e-9;

}  // namespace

bool Valid(LatLng p) {
  return std::isfinite(p.lat) && std::isfinite(p.lng) && p.lat >= -90.0 && p.lat <= 90.0 &&
         p.lng >= -180.0 && p.lng <= 180.0;
}

double DistanceMeters(LatLng a, LatLng b) {
  const double lat1 = a.lat * kDegToRad;
  const double lat2 = b.lat * kDegToRad;
  const double dlat = lat2 - lat1;
  const double dlng = (b.lng - a.lng) * kDegToRad;
  const double s_lat = std::sin(dlat / 2);
  const double s_lng = std::sin(dlng / 2);
  const double h = s_lat * s_lat + std::cos(lat1) * std::cos(lat2) * s_lng * s_lng;
  const double hc = std::clamp(h, 0.0, 1.0);
  // atan2 form: accurate for tiny and for nearly antipodal distances alike.
  return 2.0 * kEarthRadiusMeters * std::atan2(std::sqrt(hc), std::sqrt(1.0 - hc));
}

bool BoundingBox::Contains(LatLng p) const {
  return p.lat >= min_lat && p.lat <= max_lat && p.lng >= min_lng && p.lng <= max_lng;
}

BoundingBox BoxAround(LatLng center, double radius_m) {
  const double angular = std::max(radius_m, 0.0) / kEarthRadiusMeters;  // radians
  const double lat = center.lat * kDegToRad;
  BoundingBox box;
  box.min_lat = (lat - angular) * kRadToDeg - kPadDegrees;
  box.max_lat = (lat + angular) * kRadToDeg + kPadDegrees;
  if (box.max_lat >= 90.0 || box.min_lat <= -90.0 || angular >= std::numbers::pi / 2) {
    // The circle reaches a pole: every longitude is within reach there.
    box.min_lat = std::max(box.min_lat, -90.0);
    box.max_lat = std::min(box.max_lat, 90.0);
    box.min_lng = -180.0;
    box.max_lng = 180.0;
    return box;
  }
  // Widest longitude offset of a spherical cap not containing a pole.
  const double dlng = std::asin(std::min(1.0, std::sin(angular) / std::cos(lat))) * kRadToDeg;
  box.min_lng = center.lng - dlng - kPadDegrees;
  box.max_lng = center.lng + dlng + kPadDegrees;
  if (box.min_lng < -180.0 || box.max_lng > 180.0) {
    box.min_lng = -180.0;  // crosses the antimeridian: all longitudes (see the header)
    box.max_lng = 180.0;
  }
  return box;
}

}  // namespace pasar::geo
