#include "domain/staples.h"

#include <array>

namespace pasar::reporting {
namespace {

using common::v1::Commodity;

constexpr std::array<StapleInfo, 15> kStaples{{
    {common::v1::COMMODITY_RICE_MEDIUM, "beras_medium", "Beras medium", "kg"},
    {common::v1::COMMODITY_RICE_PREMIUM, "beras_premium", "Beras premium", "kg"},
    {common::v1::COMMODITY_SUGAR, "gula_pasir", "Gula pasir", "kg"},
    {common::v1::COMMODITY_COOKING_OIL_BULK, "minyak_goreng_curah", "Minyak goreng curah", "liter"},
    {common::v1::COMMODITY_COOKING_OIL_PACKED, "minyak_goreng_kemasan",
     "Minyak goreng kemasan sederhana", "liter"},
    {common::v1::COMMODITY_RED_CHILLI, "cabai_merah_keriting", "Cabai merah keriting", "kg"},
    {common::v1::COMMODITY_BIG_RED_CHILLI, "cabai_merah_besar", "Cabai merah besar", "kg"},
    {common::v1::COMMODITY_BIRDS_EYE_CHILLI, "cabai_rawit_merah", "Cabai rawit merah", "kg"},
    {common::v1::COMMODITY_SHALLOT, "bawang_merah", "Bawang merah", "kg"},
    {common::v1::COMMODITY_GARLIC, "bawang_putih", "Bawang putih", "kg"},
    {common::v1::COMMODITY_BEEF, "daging_sapi", "Daging sapi murni", "kg"},
    {common::v1::COMMODITY_BROILER_CHICKEN, "daging_ayam_ras", "Daging ayam ras", "kg"},
    {common::v1::COMMODITY_CHICKEN_EGGS, "telur_ayam_ras", "Telur ayam ras", "kg"},
    {common::v1::COMMODITY_WHEAT_FLOUR, "tepung_terigu", "Tepung terigu", "kg"},
    {common::v1::COMMODITY_SOYBEAN, "kedelai", "Kedelai", "kg"},
}};

}  // namespace

std::span<const StapleInfo> Staples() {
  return kStaples;
}

const StapleInfo* FindStaple(int commodity) {
  for (const StapleInfo& s : kStaples) {
    if (static_cast<int>(s.commodity) == commodity) return &s;
  }
  return nullptr;
}

}  // namespace pasar::reporting
