// The shipped list of staples whose prices are followed (pasar.common.v1.Commodity): each with
// its export code, Indonesian name and standard unit. Pure.
#pragma once

#include <span>
#include <string_view>

#include "pasar/common/v1/staples.pb.h"

namespace pasar::reporting {

struct StapleInfo {
  common::v1::Commodity commodity;
  std::string_view code;  // "beras_medium": the export's kode_komoditas
  std::string_view name;  // "Beras medium"
  std::string_view unit;  // "kg" or "liter"
};

// Every followed staple, in commodity order (every value of Commodity but UNSPECIFIED).
std::span<const StapleInfo> Staples();
// The staple of `commodity`; nullptr for UNSPECIFIED or a value this build does not know.
const StapleInfo* FindStaple(int commodity);

}  // namespace pasar::reporting
