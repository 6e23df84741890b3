// The regency's programme in the simulated day: free delivery above a minimum for everyone and a
// voucher for registered residents, with a budget that runs out before the day ends. The
// simulator sets it up as the regency's trade office (role official), makes some customers
// residents who link their accounts, counts why carts got no benefit, and checks at the end
// that the money balances (README, "Programmes").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pasar/order/v1/order.pb.h"
#include "sim.h"

namespace pasar::sim {

struct World;

// The programme's terms for the day (amounts in rupiah).
inline constexpr int64_t kProgrammeMinGoodsIdr = 40'000;
inline constexpr int64_t kProgrammeSubsidyIdr = 10'000;
inline constexpr int64_t kProgrammeVoucherIdr = 50'000;
inline constexpr int64_t kProgrammeCapPerResidentIdr = 60'000;

// Creates the day's programme over every market of the town and imports the residents (every
// customer whose index is a multiple of `resident_every`); records it in world.programme. A
// refusal is noted and the day runs without a programme (the report says so).
void StartProgramme(World& world, int expected_customers);

// The resident number of customer `index`, or empty when they are not a resident.
std::string ResidentNumber(const World& world, int index);

// A resident customer links their account before their first order (once).
void LinkResident(World& world, int index, const std::string& customer, const std::string& token);

// Counts the programmes' answers to one PlaceOrder.
void CountBenefit(World& world, const order::v1::PlaceOrderResponse& placed);

// Reads the programme, its statement and the final orders, fills report.programme (a failed
// check is a problem "programme_balanced"), then closes the programme.
void CheckProgramme(World& world, const std::vector<order::v1::Order>& orders, SimReport& report);

}  // namespace pasar::sim
