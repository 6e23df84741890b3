// Courier statements (README, "Courier statements"): a courier's money over a shift or a day,
// summed from jobs, job_stops and courier_shifts; the end-of-shift cash declaration; the failure
// recorded on the job for them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;

// The failure of a job and the failure fee charged (DeliveryFailed).
void MarkJobFailed(pg::Transaction& tx, const std::string& job_id, int64_t failure_fee_idr);

// The cash the courier counted at the end of their latest shift.
void DeclareCountedCash(pg::Transaction& tx, const std::string& courier_id, int64_t counted_idr);

// A shift of the courier: `shift_id`, or their latest when 0. Nullopt when the courier has no
// such shift (another courier's shift is missing too).
struct ShiftWindow {
  int64_t shift_id = 0;
  int64_t from_ms = 0;
  int64_t until_ms = 0;  // its end, or now while on shift
  int64_t start_cash_idr = 0;
  std::optional<int64_t> counted_cash_idr;
};
std::optional<ShiftWindow> FindShift(pg::Transaction& tx, const std::string& courier_id,
                                     int64_t shift_id);
// The day [from_ms, until_ms): its first shift's start cash and, once its last shift has ended
// with a declaration, the cash counted then. Nullopt when no shift of the courier started in it.
std::optional<ShiftWindow> DayWindow(pg::Transaction& tx, const std::string& courier_id,
                                     int64_t from_ms, int64_t until_ms);

// Fills the flows of `out` (paid, collected, refunded, fees, counts) over [from_ms, until_ms).
void FillStatementFlows(pg::Transaction& tx, const std::string& courier_id, int64_t from_ms,
                        int64_t until_ms, v1::CourierStatement* out);

}  // namespace pasar::dispatch::store
