// The per-order ledger: who owes whom (SPEC section 4.5). Pure. Double entry: every money
// movement is a pair of postings that sum to zero, so the ledger balances at every moment.
//
//   at each pickup   TRADER_PAID    courier -T(ticket)   trader(stall) +T(ticket)
//   at delivery      CUSTOMER_PAID  customer -total      courier +total
//                    SERVICE_FEE    courier -service     platform(market) +service
// After delivery the courier's net is total - sum(T) - service = the delivery fee: their earning.
// With a programme benefit B (domain/programme.h) the customer pays the courier total - B and
// the programme owes the courier B:
//                    CUSTOMER_PAID      customer -(total-B)  courier +(total-B)
//                    PROGRAMME_BENEFIT  programme(id) -B     courier +B
// so the courier's net is still the delivery fee, B of it owed by the programme.
//
// A failed delivery (the market's policy in dispatch's DeliveryFailed: fee F <= delivery fee D):
//   at failure       FAILURE_FEE          customer -F          courier +F
//                    FAILURE_COMPENSATION platform -(D-F)      courier +(D-F)
//   per ticket back  GOODS_RETURNED       trader -T            courier +T   (refunded at the stall)
//                 or GOODS_AT_OFFICE      platform -T          courier +T   (handed to the office)
// so the courier's net is again the delivery fee, the trader's 0 when the goods came back and T
// when they went to the office (the platform bears them), the customer owes F.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace pasar::order::domain {

enum class Party { kCustomer, kTrader, kCourier, kPlatform, kProgramme };
enum class EntryKind {
  kTraderPaid,
  kCustomerPaid,
  kServiceFee,
  kProgrammeBenefit,
  kFailureFee,
  kFailureCompensation,
  kGoodsReturned,
  kGoodsAtOffice
};
// "CUSTOMER", "TRADER", "COURIER", "PLATFORM", "PROGRAMME" / "TRADER_PAID", "CUSTOMER_PAID",
// "SERVICE_FEE", "PROGRAMME_BENEFIT".
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

// The customer paid the courier `total_idr` less `benefit_idr` at the door; the courier owes the
// platform the service fee; the programme `programme_id` owes the courier the benefit.
std::vector<Posting> Delivered(const std::string& customer, const std::string& courier_id,
                               const std::string& market_id, int64_t total_idr,
                               int64_t service_fee_idr, const std::string& programme_id = "",
                               int64_t benefit_idr = 0);

// A failed delivery: the customer is charged `failure_fee_idr` for the courier's trip, the
// platform (market) owes the courier `compensation_idr` (zero amounts post nothing).
std::vector<Posting> DeliveryFailed(const std::string& customer, const std::string& courier_id,
                                    const std::string& market_id, int64_t failure_fee_idr,
                                    int64_t compensation_idr);
// A ticket's goods back: the stall's trader refunds the courier `amount_idr` (to_office false),
// or the platform owes it to them (to_office true).
std::vector<Posting> GoodsBack(const std::string& courier_id, const std::string& stall_id,
                               const std::string& stall_name, const std::string& market_id,
                               bool to_office, int64_t amount_idr);

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
