// Geometry on the earth (WGS84 degrees, spherical model). Pure: no I/O, no allocation.
#pragma once

namespace pasar::geo {

// Mean earth radius (IUGG), the radius of the sphere every function here uses.
inline constexpr double kEarthRadiusMeters = 6371008.8;

struct LatLng {
  double lat = 0;  // degrees, [-90, 90]
  double lng = 0;  // degrees, [-180, 180]
};

// Both finite, lat in [-90, 90], lng in [-180, 180].
bool Valid(LatLng p);

// Great-circle distance (haversine) in metres.
double DistanceMeters(LatLng a, LatLng b);

// A latitude/longitude rectangle, inclusive on all sides. min_lng <= max_lng always (a box that
// would cross the antimeridian is widened to the whole longitude range, see BoxAround).
struct BoundingBox {
  double min_lat = 0;
  double min_lng = 0;
  double max_lat = 0;
  double max_lng = 0;
  bool Contains(LatLng p) const;
};

// The smallest lat/lng rectangle containing every point within `radius_m` metres of `center`
// (plus a hair for rounding), so it is a correct pre-filter (e.g. an SQL BETWEEN on indexed
// columns) before an exact DistanceMeters check. Near a pole (the circle reaches it) the box
// spans all longitudes up to that pole; a circle crossing the antimeridian also gets all
// longitudes, so callers never have to handle a wrapped box. radius_m < 0 is treated as 0.
BoundingBox BoxAround(LatLng center, double radius_m);

}  // namespace pasar::geo
