#include "domain/ledger.h"

#include <algorithm>

namespace pasar::order::domain {

std::vector<Posting> TraderPaid(const std::string& courier_id, const std::string& stall_id,
                                const std::string& stall_name, int64_t amount_idr) {
  return {
      {EntryKind::kTraderPaid,
       Party::kCourier,
       courier_id,
       -amount_idr,
       "paid to " + stall_name + " at pickup",
       {}},
      {EntryKind::kTraderPaid,
       Party::kTrader,
       stall_id,
       amount_idr,
       "received from the courier at pickup",
       {}},
  };
}

std::vector<Posting> Delivered(const std::string& customer, const std::string& courier_id,
                               const std::string& market_id, int64_t total_idr,
                               int64_t service_fee_idr, const std::string& programme_id,
                               int64_t benefit_idr) {
  const int64_t cash = total_idr - benefit_idr;
  std::vector<Posting> postings = {
      {EntryKind::kCustomerPaid,
       Party::kCustomer,
       customer,
       -cash,
       "paid the courier at the door",
       {}},
      {EntryKind::kCustomerPaid,
       Party::kCourier,
       courier_id,
       cash,
       "collected from the customer",
       {}},
  };
  if (benefit_idr != 0) {
    postings.push_back({EntryKind::kProgrammeBenefit,
                        Party::kProgramme,
                        programme_id,
                        -benefit_idr,
                        "benefit owed to the courier",
                        {}});
    postings.push_back({EntryKind::kProgrammeBenefit,
                        Party::kCourier,
                        courier_id,
                        benefit_idr,
                        "benefit owed by the programme",
                        {}});
  }
  if (service_fee_idr != 0) {
    postings.push_back({EntryKind::kServiceFee,
                        Party::kCourier,
                        courier_id,
                        -service_fee_idr,
                        "service fee owed to the platform",
                        {}});
    postings.push_back(
        {EntryKind::kServiceFee, Party::kPlatform, market_id, service_fee_idr, "service fee", {}});
  }
  return postings;
}

std::vector<Posting> DeliveryFailed(const std::string& customer, const std::string& courier_id,
                                    const std::string& market_id, int64_t failure_fee_idr,
                                    int64_t compensation_idr) {
  std::vector<Posting> postings;
  if (failure_fee_idr != 0) {
    postings.push_back({EntryKind::kFailureFee,
                        Party::kCustomer,
                        customer,
                        -failure_fee_idr,
                        "failed delivery fee",
                        {}});
    postings.push_back({EntryKind::kFailureFee,
                        Party::kCourier,
                        courier_id,
                        failure_fee_idr,
                        "failed delivery fee charged to the customer",
                        {}});
  }
  if (compensation_idr != 0) {
    postings.push_back({EntryKind::kFailureCompensation,
                        Party::kPlatform,
                        market_id,
                        -compensation_idr,
                        "owed to the courier for a failed delivery",
                        {}});
    postings.push_back({EntryKind::kFailureCompensation,
                        Party::kCourier,
                        courier_id,
                        compensation_idr,
                        "failed delivery compensation owed by the platform",
                        {}});
  }
  return postings;
}

std::vector<Posting> GoodsBack(const std::string& courier_id, const std::string& stall_id,
                               const std::string& stall_name, const std::string& market_id,
                               bool to_office, int64_t amount_idr) {
  if (to_office) {
    return {
        {EntryKind::kGoodsAtOffice,
         Party::kPlatform,
         market_id,
         -amount_idr,
         "goods of " + stall_name + " received at the market office",
         {}},
        {EntryKind::kGoodsAtOffice,
         Party::kCourier,
         courier_id,
         amount_idr,
         "goods handed to the market office, owed by the platform",
         {}},
    };
  }
  return {
      {EntryKind::kGoodsReturned,
       Party::kTrader,
       stall_id,
       -amount_idr,
       "refunded the courier for goods returned intact",
       {}},
      {EntryKind::kGoodsReturned,
       Party::kCourier,
       courier_id,
       amount_idr,
       "refunded by " + stall_name + " for goods returned",
       {}},
  };
}

std::vector<Balance> Balances(std::span<const Posting> postings) {
  std::vector<Balance> out;
  for (const Posting& p : postings) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Balance& b) {
      return b.party == p.party && b.party_id == p.party_id;
    });
    if (it == out.end()) {
      out.push_back({p.party, p.party_id, 0});
      it = out.end() - 1;
    }
    it->net_idr += p.amount_idr;
  }
  return out;
}

std::string_view Name(Party party) {
  switch (party) {
    case Party::kCustomer:
      return "CUSTOMER";
    case Party::kTrader:
      return "TRADER";
    case Party::kCourier:
      return "COURIER";
    case Party::kPlatform:
      return "PLATFORM";
    case Party::kProgramme:
      return "PROGRAMME";
  }
  return "UNKNOWN";
}

std::string_view Name(EntryKind kind) {
  switch (kind) {
    case EntryKind::kTraderPaid:
      return "TRADER_PAID";
    case EntryKind::kCustomerPaid:
      return "CUSTOMER_PAID";
    case EntryKind::kServiceFee:
      return "SERVICE_FEE";
    case EntryKind::kProgrammeBenefit:
      return "PROGRAMME_BENEFIT";
    case EntryKind::kFailureFee:
      return "FAILURE_FEE";
    case EntryKind::kFailureCompensation:
      return "FAILURE_COMPENSATION";
    case EntryKind::kGoodsReturned:
      return "GOODS_RETURNED";
    case EntryKind::kGoodsAtOffice:
      return "GOODS_AT_OFFICE";
  }
  return "UNKNOWN";
}

std::optional<Party> ParseParty(std::string_view name) {
  for (Party p :
       {Party::kCustomer, Party::kTrader, Party::kCourier, Party::kPlatform, Party::kProgramme}) {
    if (Name(p) == name) return p;
  }
  return std::nullopt;
}

std::optional<EntryKind> ParseEntryKind(std::string_view name) {
  for (EntryKind k :
       {EntryKind::kTraderPaid, EntryKind::kCustomerPaid, EntryKind::kServiceFee,
        EntryKind::kProgrammeBenefit, EntryKind::kFailureFee, EntryKind::kFailureCompensation,
        EntryKind::kGoodsReturned, EntryKind::kGoodsAtOffice}) {
    if (Name(k) == name) return k;
  }
  return std::nullopt;
}

bool Balanced(std::span<const Posting> postings) {
  int64_t sum = 0;
  for (const Posting& p : postings)
    sum += p.amount_idr;
  return sum == 0;
}

}  // namespace pasar::order::domain
