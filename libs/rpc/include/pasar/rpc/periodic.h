// The former name of the periodic worker: pasar::rpc::PeriodicWorker is pasar::periodic::Worker
// (libs/periodic/include/pasar/periodic/periodic.h, which documents it). New code uses
// pasar::periodic::Worker.
#pragma once

#include "pasar/periodic/periodic.h"

namespace pasar::rpc {

using PeriodicWorker = periodic::Worker;

}  // namespace pasar::rpc
