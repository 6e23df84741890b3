// The former name of the structured logger: pasar::rpc::Log is pasar::log::Log
// (libs/log/include/pasar/log/log.h, which documents the line format). New code writes
// pasar::log::Log / Info / Warn / Error.
#pragma once

#include "pasar/log/log.h"

namespace pasar::rpc {

using log::Log;

}  // namespace pasar::rpc
