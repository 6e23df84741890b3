// The per-order ledger: who owes whom (SPEC section 4.5). Pure. Double entry: every money
// movement is a pair of postings that sum to zero, so the ledger balances at every moment.
//
//   at each pickup   TRADER_PAID    courier -T(ticket)   trader(stall) +T(ticket)
//   at delivery      CUSTOMER_PAID  customer -total      courier +total
//                    SERVICE_FEE    courier -service     platform(market) +service
// After delivery the courier's net is total - sum(T) - service = the delivery fee: their earning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace pasar::order::domain {

enum class Party { kCustomer, kTrader, kCourier, kPlatform };
enum class EntryKind { kTraderPaid, kCustomerPaid, kServiceFee };
// "CUSTOMER", "TRADER", "COURIER", "PLATFORM" / "TRADER_PAID", "CUSTOMER_PAID", "SERVICE_FEE".
std::string_view Name(Party party);
std::string_view Name(EntryKind kind);
std::optional<Party> ParseParty(std::string_view name);
std::optional<EntryKind> ParseEntryKind(std::string_view name);

struct Posting {
  EntryKind kind = EntryKind::kTraderPaid;
  Party party = Party::kCustomer;
  std::string party_id;    // customer subject, stall id, courier id, market id
  int64_t amount_idr = 0;  // positive: received / is owed; negative: paid / owes
  std::string description;
  absl::Time created_at;  // set when recorded
};

// The courier advanced `amount_idr` to the stall's trader at pickup.
std::vector<Posting> TraderPaid(const std::string& courier_id, const std::string& stall_id,
                                const std::string& stall_name, int64_t amount_idr);

// The customer paid the courier `total_idr` at the door; the courier owes the platform the
// service fee.
std::vector<Posting> Delivered(const std::string& customer, const std::string& courier_id,
                               const std::string& market_id, int64_t total_idr,
                               int64_t service_fee_idr);

struct Balance {
  Party party = Party::kCustomer;
  std::string party_id;
  int64_t net_idr = 0;
};

// Net per party in order of first appearance.
std::vector<Balance> Balances(std::span<const Posting> postings);

// True when the postings sum to zero.
bool Balanced(std::span<const Posting> postings);

}  // namespace pasar::order::domain
