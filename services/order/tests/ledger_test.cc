#include <catch2/catch.hpp>

#include <vector>

#include "domain/ledger.h"

namespace d = pasar::order::domain;

TEST_CASE("the ledger balances at every step and the courier earns the delivery fee") {
  // Two tickets of 30,000 and 12,000; delivery fee 9,000; service fee 1,000.
  const int64_t total = 30000 + 12000 + 9000 + 1000;
  std::vector<d::Posting> ledger;
  CHECK(d::Balanced(ledger));
  for (auto& p : d::TraderPaid("c1", "s1", "Sayur Bu Sri", 30000))
    ledger.push_back(p);
  CHECK(d::Balanced(ledger));
  for (auto& p : d::TraderPaid("c1", "s2", "Telur Pak Man", 12000))
    ledger.push_back(p);
  CHECK(d::Balanced(ledger));
  for (auto& p : d::Delivered("cust", "c1", "m1", total, 1000))
    ledger.push_back(p);
  CHECK(d::Balanced(ledger));
  CHECK(ledger.size() == 8);

  const auto balances = d::Balances(ledger);
  auto net = [&](d::Party party, const std::string& id) {
    for (const auto& b : balances) {
      if (b.party == party && b.party_id == id) return b.net_idr;
    }
    FAIL("no balance for " << id);
    return int64_t{0};
  };
  CHECK(net(d::Party::kCourier, "c1") == 9000);
  CHECK(net(d::Party::kTrader, "s1") == 30000);
  CHECK(net(d::Party::kTrader, "s2") == 12000);
  CHECK(net(d::Party::kCustomer, "cust") == -total);
  CHECK(net(d::Party::kPlatform, "m1") == 1000);
}

TEST_CASE("no service fee no service fee postings") {
  const auto postings = d::Delivered("cust", "c1", "m1", 20000, 0);
  CHECK(postings.size() == 2);
  CHECK(d::Balanced(postings));
  CHECK_FALSE(d::Balanced(std::vector<d::Posting>{postings[0]}));
}

TEST_CASE("a failed delivery balances: the courier earns the delivery fee, nobody else is hurt") {
  // Two tickets of 30,000 and 12,000; delivery fee 9,000; failure fee 4,000. The first goes back
  // to its stall, the second (perishable) to the market office.
  std::vector<d::Posting> ledger;
  for (auto& p : d::TraderPaid("c1", "s1", "Sayur Bu Sri", 30000))
    ledger.push_back(p);
  for (auto& p : d::TraderPaid("c1", "s2", "Ikan Pak Man", 12000))
    ledger.push_back(p);
  for (auto& p : d::DeliveryFailed("cust", "c1", "m1", 4000, 5000))
    ledger.push_back(p);
  CHECK(d::Balanced(ledger));
  for (auto& p : d::GoodsBack("c1", "s1", "Sayur Bu Sri", "m1", false, 30000))
    ledger.push_back(p);
  for (auto& p : d::GoodsBack("c1", "s2", "Ikan Pak Man", "m1", true, 12000))
    ledger.push_back(p);
  CHECK(d::Balanced(ledger));
  CHECK(ledger.size() == 12);
  const auto balances = d::Balances(ledger);
  auto net = [&](d::Party party, const std::string& id) {
    for (const auto& b : balances) {
      if (b.party == party && b.party_id == id) return b.net_idr;
    }
    FAIL("no balance for " << id);
    return int64_t{0};
  };
  CHECK(net(d::Party::kCourier, "c1") == 9000);
  CHECK(net(d::Party::kTrader, "s1") == 0);
  CHECK(net(d::Party::kTrader, "s2") == 12000);
  CHECK(net(d::Party::kCustomer, "cust") == -4000);
  CHECK(net(d::Party::kPlatform, "m1") == -(5000 + 12000));
  // Zero amounts post nothing.
  CHECK(d::DeliveryFailed("cust", "c1", "m1", 0, 0).empty());
  CHECK(d::ParseEntryKind("GOODS_AT_OFFICE") == d::EntryKind::kGoodsAtOffice);
  CHECK(d::Name(d::EntryKind::kFailureCompensation) == "FAILURE_COMPENSATION");
}
