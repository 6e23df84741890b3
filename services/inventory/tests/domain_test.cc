// Pure tests of the inventory domain: opening hours in the market's time zone, validation,
// reservation transitions and page tokens.
#include <catch2/catch.hpp>

#include "absl/time/civil_time.h"
#include "domain/catalog.h"
#include "domain/requests.h"
#include "domain/reservation.h"
#include "domain/schedule.h"
#include "domain/validation.h"

using namespace pasar::inventory;
namespace request = pasar::request;

namespace {

absl::Time Jakarta(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), *LoadZone("Asia/Jakarta"));
}

std::string Message(const absl::Status& s) {
  return std::string(s.message());
}

}  // namespace

TEST_CASE("a market trading 00:00-10:00 is open in its own time zone only", "[schedule]") {
  // 2026-11-23 is a Monday.
  const std::vector<DayHours> hours = {{1, 0, 600}, {2, 0, 600}};
  const absl::TimeZone jakarta = *LoadZone("Asia/Jakarta");
  CHECK(IsOpen(hours, jakarta, Jakarta(2026, 11, 23, 0, 0)));
  CHECK(IsOpen(hours, jakarta, Jakarta(2026, 11, 23, 9, 59)));
  CHECK_FALSE(IsOpen(hours, jakarta, Jakarta(2026, 11, 23, 10, 0)));
  CHECK_FALSE(IsOpen(hours, jakarta, Jakarta(2026, 11, 22, 5, 0)));  // Sunday: no hours
  CHECK(IsOpen(hours, jakarta, Jakarta(2026, 11, 24, 5, 0)));        // Tuesday
  // Monday 05:00 in Jakarta is Sunday 22:00 UTC: the UTC weekday must not be used.
  const absl::Time t = Jakarta(2026, 11, 23, 5, 0);
  CHECK(ToLocalMinute(t, absl::UTCTimeZone()).weekday == 7);
  CHECK(ToLocalMinute(t, jakarta).weekday == 1);
  CHECK(ToLocalMinute(t, jakarta).minute == 300);
  CHECK_FALSE(IsOpen(hours, absl::UTCTimeZone(), t));
}

TEST_CASE("a market open until 24:00 and one open across midnight", "[schedule]") {
  const absl::TimeZone jakarta = *LoadZone("Asia/Jakarta");
  // Closing at 1440 ("24:00") includes the last minute of the day, not the next day's first.
  const std::vector<DayHours> evening = {{1, 18 * 60, kMinutesPerDay}};
  CHECK(ValidateHours("hours", evening).ok());
  CHECK(IsOpen(evening, jakarta, Jakarta(2026, 11, 23, 23, 59)));
  CHECK_FALSE(IsOpen(evening, jakarta, Jakarta(2026, 11, 24, 0, 0)));  // Tuesday 00:00
  CHECK_FALSE(IsOpen(evening, jakarta, Jakarta(2026, 11, 23, 17, 59)));
  // Sunday 22:00 to Monday 06:00: two intervals, and the week wraps from Sunday to Monday.
  const std::vector<DayHours> night = {{7, 22 * 60, kMinutesPerDay}, {1, 0, 6 * 60}};
  CHECK(ValidateHours("hours", night).ok());
  CHECK(IsOpen(night, jakarta, Jakarta(2026, 11, 22, 23, 30)));  // Sunday
  CHECK(IsOpen(night, jakarta, Jakarta(2026, 11, 23, 0, 0)));    // Monday midnight
  CHECK(IsOpen(night, jakarta, Jakarta(2026, 11, 23, 5, 59)));
  CHECK_FALSE(IsOpen(night, jakarta, Jakarta(2026, 11, 23, 6, 0)));
  CHECK_FALSE(IsOpen(night, jakarta, Jakarta(2026, 11, 23, 23, 0)));  // Monday night: closed
  CHECK_FALSE(IsOpen(night, jakarta, Jakarta(2026, 11, 22, 21, 59)));
}

TEST_CASE("the same instant is open in one zone and closed in another", "[schedule]") {
  const std::vector<DayHours> hours = {{1, 8 * 60, 9 * 60}};
  const absl::Time t = Jakarta(2026, 11, 23, 8, 30);  // 08:30 WIB = 09:30 WITA (Makassar)
  CHECK(IsOpen(hours, *LoadZone("Asia/Jakarta"), t));
  CHECK_FALSE(IsOpen(hours, *LoadZone("Asia/Makassar"), t));
  CHECK_FALSE(IsOpen({}, *LoadZone("Asia/Jakarta"), t));
}

TEST_CASE("time zones are loaded from the system database", "[schedule]") {
  CHECK(LoadZone("Asia/Jakarta").has_value());
  CHECK(LoadZone("Asia/Jayapura").has_value());
  CHECK_FALSE(LoadZone("").has_value());
  CHECK_FALSE(LoadZone("Mars/Olympus_Mons").has_value());
  CHECK(CheckTimeZone("time_zone", "Asia/Jakarta").ok());
  CHECK(Message(CheckTimeZone("time_zone", "Nowhere/Atlantis")).rfind("time_zone: ", 0) == 0);
  // absl would load "localtime" (the host's zone): a market's hours must not depend on the host.
  CHECK(Message(CheckTimeZone("time_zone", "localtime")).rfind("time_zone: ", 0) == 0);
}

TEST_CASE("opening hours must be well formed", "[schedule][validation]") {
  CHECK(ValidateHours("hours", {}).ok());
  CHECK(ValidateHours("hours", {{1, 0, 1440}, {7, 0, 600}}).ok());
  CHECK(Message(ValidateHours("hours", {{0, 0, 600}})).rfind("hours[0].weekday: ", 0) == 0);
  CHECK(Message(ValidateHours("hours", {{8, 0, 600}})).rfind("hours[0].weekday: ", 0) == 0);
  CHECK(ValidateHours("hours", {{1, 0, 600}, {1, 700, 800}}).ok());  // two windows on Monday
  CHECK(Message(ValidateHours("hours", {{1, 0, 600}, {1, 599, 800}})).rfind("hours[1]: ", 0) == 0);
  CHECK_FALSE(ValidateHours("hours", std::vector<DayHours>(22, {1, 0, 1})).ok());
  CHECK(Message(ValidateHours("hours", {{1, -1, 600}})).rfind("hours[0].open_minute: ", 0) == 0);
  CHECK(Message(ValidateHours("hours", {{1, 600, 600}})).rfind("hours[0].close_minute: ", 0) == 0);
  CHECK(Message(ValidateHours("hours", {{1, 0, 1441}})).rfind("hours[0].close_minute: ", 0) == 0);
}

TEST_CASE("fields are validated with their path in the message", "[validation]") {
  CHECK(CheckPrice("price_idr", 1).ok());
  CHECK(CheckPrice("price_idr", kMaxPriceIdr).ok());
  CHECK(Message(CheckPrice("price_idr", 0)) == "price_idr: must be > 0");
  CHECK_FALSE(CheckPrice("price_idr", -5).ok());
  CHECK_FALSE(CheckPrice("price_idr", kMaxPriceIdr + 1).ok());
  CHECK(CheckQuantity("lines[2].quantity", 1).ok());
  CHECK(Message(CheckQuantity("lines[2].quantity", 0)) == "lines[2].quantity: must be > 0");
  CHECK_FALSE(CheckQuantity("q", kMaxReserveQuantity + 1).ok());

  CHECK(CheckName("name", "Cabai rawit merah").ok());
  CHECK(CheckName("name", std::string(100, 'a')).ok());
  CHECK_FALSE(CheckName("name", std::string(101, 'a')).ok());
  CHECK(CheckName("name", "Bawang merah \xC3\xA9").ok());  // UTF-8 é counts as one character
  CHECK(Message(CheckName("name", "")) == "name: is required");
  CHECK_FALSE(CheckName("name", "   ").ok());
  CHECK_FALSE(CheckName("name", "a\nb").ok());
  CHECK_FALSE(CheckName("name", "\xC3").ok());      // truncated UTF-8
  CHECK_FALSE(CheckName("name", "\xC0\x80").ok());  // overlong
  CHECK(request::CheckOptionalText("category", "", 40).ok());

  CHECK(request::CheckRequestId("r-1").ok());
  CHECK_FALSE(request::CheckRequestId("").ok());
  CHECK_FALSE(request::CheckRequestId(std::string(129, 'x')).ok());
  CHECK_FALSE(request::CheckRequestId("has space").ok());

  CHECK(request::CheckUuid("id", "123e4567-e89b-12d3-a456-426614174000").ok());
  CHECK_FALSE(request::CheckUuid("id", "123e4567e89b12d3a456426614174000").ok());
  CHECK_FALSE(request::CheckUuid("id", "123e4567-e89b-12d3-a456-42661417400g").ok());

  CHECK(CheckLatLng("location", -8.13, 113.22).ok());
  CHECK(Message(CheckLatLng("location", 91, 0)).rfind("location: ", 0) == 0);
  CHECK_FALSE(CheckLatLng("location", 0, -180.5).ok());
  CHECK_FALSE(CheckLatLng("location", std::nan(""), 0).ok());
  CHECK(request::CheckRange("weighed_tolerance_percent", 50, 0, kMaxTolerancePercent).ok());
  CHECK(Message(request::CheckRange("weighed_tolerance_percent", 51, 0, kMaxTolerancePercent)) ==
        "weighed_tolerance_percent: must be in 0..50");
}

TEST_CASE("ledger deltas of every transition keep stock + held + sold", "[reservation]") {
  for (const StockDelta d : {ReserveDelta(7), CommitDelta(7, 5), CommitDelta(7, 0),
                             CommitDelta(7, 7), ReleaseDelta(7)}) {
    CHECK(d.stock + d.held + d.sold == 0);
  }
  CHECK(CommitDelta(10, 9).stock == 1);
  CHECK(CommitDelta(10, 9).sold == 9);
  CHECK(ReleaseDelta(4).held == -4);
}

TEST_CASE("reservation transitions", "[reservation]") {
  using S = ReservationState;
  CHECK(DecideCommit(S::kHeld, false, false) == Decision::kApply);
  CHECK(DecideCommit(S::kHeld, true, false) == Decision::kExpired);
  CHECK(DecideCommit(S::kCommitted, false, true) == Decision::kAlreadyDone);
  CHECK(DecideCommit(S::kCommitted, false, false) == Decision::kInvalidTransition);
  CHECK(DecideCommit(S::kExpired, false, false) == Decision::kExpired);
  CHECK(DecideCommit(S::kReleased, false, false) == Decision::kInvalidTransition);
  CHECK(DecideRelease(S::kHeld) == Decision::kApply);
  CHECK(DecideRelease(S::kReleased) == Decision::kAlreadyDone);
  CHECK(DecideRelease(S::kExpired) == Decision::kAlreadyDone);
  CHECK(DecideRelease(S::kCommitted) == Decision::kInvalidTransition);
  for (S s : {S::kHeld, S::kCommitted, S::kReleased, S::kExpired}) {
    CHECK(ParseState(StateName(s)) == s);
  }
  CHECK_FALSE(ParseState("held").has_value());
}

TEST_CASE("commit plans final quantities per held line", "[reservation]") {
  const std::vector<HeldLine> held = {{"a", 5}, {"b", 3}, {"c", 2}};
  auto plan = PlanCommit("lines", "quantity", held, {{"b", 2}, {"a", 5}});
  REQUIRE(plan.ok());
  CHECK(*plan == std::vector<int64_t>{5, 2, 0});  // c not named: all back to stock
  CHECK(Message(PlanCommit("lines", "quantity", held, {{"a", 6}}).status())
            .rfind("lines[0].quantity: ", 0) == 0);
  CHECK_FALSE(PlanCommit("lines", "quantity", held, {{"a", -1}}).ok());
  CHECK(Message(PlanCommit("lines", "quantity", held, {{"a", 1}, {"z", 1}}).status())
            .rfind("lines[1].product_id: ", 0) == 0);
  CHECK_FALSE(PlanCommit("lines", "quantity", held, {{"a", 1}, {"a", 1}}).ok());
}

TEST_CASE("page tokens are opaque and round-trip and are bound to their query", "[catalog]") {
  const PageCursor c{"Cabai rawit", "123e4567-e89b-12d3-a456-426614174000"};
  const std::string token = EncodePageToken(c, "market-1|stall-|cat-");
  CHECK(token.find("Cabai") == std::string::npos);
  auto back = DecodePageToken(token, "market-1|stall-|cat-");
  REQUIRE(back.has_value());
  CHECK(back->name == c.name);
  CHECK(back->id == c.id);
  CHECK_FALSE(DecodePageToken(token, "market-2|stall-|cat-").has_value());
  CHECK_FALSE(DecodePageToken("not a token!", "x").has_value());
  CHECK_FALSE(DecodePageToken("", "x").has_value());
}

TEST_CASE("search text is normalised and escaped for LIKE", "[catalog]") {
  CHECK(NormalizeQuery("  cabai   rawit ") == "cabai rawit");
  CHECK(ContainsPattern("bawang merah") == "%bawang merah%");
  CHECK(ContainsPattern("50%_x\\") == "%50\\%\\_x\\\\%");
}

TEST_CASE("reservability is checked in a fixed order naming every offender", "[reservation]") {
  const ProductFacts ok{"m1", "s1", true, true, 10};
  const std::vector<RequestedLine> lines = {{"p1", 5}, {"p2", 5}};
  CHECK_FALSE(CheckReservable("m1", true, lines, {ok, ok}).has_value());

  auto r = CheckReservable("m1", true, lines, {ok, std::nullopt});
  REQUIRE(r.has_value());
  CHECK(r->reason == "PRODUCT_UNAVAILABLE");
  CHECK(r->message.find("p2") != std::string::npos);

  ProductFacts other = ok;
  other.market_id = "m2";
  CHECK(CheckReservable("m1", true, lines, {ok, other})->reason == "MIXED_MARKETS");
  CHECK(CheckReservable("m1", false, lines, {ok, ok})->reason == "MARKET_CLOSED");

  ProductFacts closed = ok;
  closed.stall_open = false;
  closed.stall_id = "s9";
  r = CheckReservable("m1", true, lines, {closed, closed});
  CHECK(r->reason == "STALL_CLOSED");
  CHECK(r->message == "closed stalls s9");

  ProductFacts inactive = ok;
  inactive.active = false;
  CHECK(CheckReservable("m1", true, lines, {inactive, ok})->reason == "PRODUCT_UNAVAILABLE");

  ProductFacts scarce = ok;
  scarce.stock = 2;
  r = CheckReservable("m1", true, {{"p1", 5}, {"p2", 3}}, {scarce, scarce});
  CHECK(r->reason == "INSUFFICIENT_STOCK");
  CHECK(r->message == "p1 (requested 5, available 2), p2 (requested 3, available 2)");
}

TEST_CASE("market defaults and partial updates", "[requests]") {
  pasar::inventory::v1::Market m;
  m.set_id("ignored");
  m.mutable_fee_scheme()->set_kind(pasar::inventory::v1::FEE_KIND_FLAT);
  const auto filled = WithDefaults(m);
  CHECK(filled.id().empty());
  CHECK(filled.time_zone() == "Asia/Jakarta");
  CHECK(filled.fee_scheme().road_factor_permille() == kDefaultRoadFactorPermille);
  CHECK(filled.trader_response_timeout_seconds() == kDefaultTraderTimeoutSeconds);
  CHECK(filled.dispatch_timeout_seconds() == kDefaultDispatchTimeoutSeconds);

  pasar::inventory::v1::UpdateMarketRequest update;
  update.set_weighed_tolerance_percent(0);  // present with the zero value: applied
  update.mutable_opening_hours();           // present and empty: closes every day
  auto open = filled;
  open.set_weighed_tolerance_percent(10);
  open.mutable_opening_hours()->add_intervals()->set_weekday(pasar::inventory::v1::WEEKDAY_MONDAY);
  const auto updated = ApplyUpdate(open, update);
  CHECK(updated.weighed_tolerance_percent() == 0);
  CHECK(updated.opening_hours().intervals().empty());
  CHECK(updated.time_zone() == "Asia/Jakarta");  // absent: unchanged
}

TEST_CASE("request validation names the first bad field", "[requests]") {
  pasar::inventory::v1::ReserveStockRequest r;
  r.set_request_id("order-1");
  r.set_market_id("123e4567-e89b-12d3-a456-426614174000");
  auto* line = r.add_lines();
  line->set_product_id("123e4567-e89b-12d3-a456-426614174001");
  line->set_quantity(2);
  CHECK(Validate(r).ok());
  r.set_ttl_seconds(9);
  CHECK(Message(Validate(r)).rfind("ttl_seconds: ", 0) == 0);
  r.set_ttl_seconds(0);
  *r.add_lines() = r.lines(0);
  CHECK(Message(Validate(r)).rfind("lines[1].product_id: ", 0) == 0);

  pasar::inventory::v1::UpdateProductRequest u;
  u.set_request_id("r");
  u.set_product_id("123e4567-e89b-12d3-a456-426614174001");
  CHECK(Message(Validate(u)).rfind("update: ", 0) == 0);
  u.set_active(false);
  CHECK(Validate(u).ok());
  CHECK(EffectivePageSize(0) == kDefaultPageSize);
  CHECK(EffectivePageSize(1000) == kMaxPageSize);
  CHECK_FALSE(ValidatePageSize(-1).ok());
}

TEST_CASE("a stock adjustment's sign must fit its reason", "[requests]") {
  pasar::inventory::v1::AdjustStockRequest r;
  r.set_request_id("r-1");
  r.set_product_id("123e4567-e89b-12d3-a456-426614174001");
  auto check = [&](pasar::inventory::v1::StockAdjustmentReason reason, int64_t delta) {
    r.set_reason(reason);
    r.set_delta(delta);
    return Validate(r);
  };
  CHECK(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_RESTOCK, 5).ok());
  CHECK(Message(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_RESTOCK, -5)) ==
        "delta: must be > 0 for STOCK_ADJUSTMENT_REASON_RESTOCK");
  CHECK_FALSE(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_RETURNED, -1).ok());
  CHECK(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_SPOILAGE, -2).ok());
  CHECK(Message(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_SPOILAGE, 2)) ==
        "delta: must be < 0 for STOCK_ADJUSTMENT_REASON_SPOILAGE");
  CHECK_FALSE(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_SOLD_OFFLINE, 1).ok());
  CHECK(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_CORRECTION, -3).ok());
  CHECK(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_CORRECTION, 3).ok());
  CHECK(check(pasar::inventory::v1::STOCK_ADJUSTMENT_REASON_OTHER, -3).ok());
}

TEST_CASE("a blank search text is no filter, a long one is refused", "[requests]") {
  pasar::inventory::v1::ListProductsRequest r;
  r.set_market_id("123e4567-e89b-12d3-a456-426614174000");
  r.set_query("   ");
  CHECK(Validate(r).ok());
  r.set_query(" cabai\trawit ");
  CHECK(Validate(r).ok());
  r.set_query(std::string(101, 'a'));
  CHECK(Message(Validate(r)).rfind("query: ", 0) == 0);
}
