// pasarctl: the operator's command line for a running Pasar. Every command goes through the
// services' public gRPC APIs with a token it mints with the private key of
// PASAR_JWT_PRIVATE_KEY_FILE (or --key-file; in development PASAR_JWT_SECRET): operator by
// default, the stall's trader where the API is the trader's. `keygen` and `jwks` make the key
// files themselves.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pasar/auth/auth.h"
#include "pasar/town/api.h"
#include "pasar/town/flags.h"
#include "pasar/town/seed.h"
#include "pasar/town/town.h"

namespace {

namespace inv = pasar::inventory::v1;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using pasar::town::Api;
using pasar::town::Call;
using pasar::town::Check;
using pasar::town::Flags;

constexpr char kUsage[] = R"(pasarctl — operate a running Pasar through its public gRPC APIs

usage: pasarctl [global options] COMMAND [options]

commands:
  token --role ROLE --subject SUBJ [--stalls ID,ID] [--ttl-hours H]
        print a signed JWT (ROLE: customer, trader, courier, operator, official, service; default
        lifetime 12 h, for service 1 h; services refuse more than 24 h, for service 1 h)
  keygen [--alg ES256|EdDSA|RS256] [--out FILE]
        print (or write to FILE, mode 0600) a new private key in PEM (default ES256)
  jwks KEY.pem [KEY.pem ...] [--kid KID (one key)]
        print the JWK Set of the keys' public halves (kid: the key's RFC 7638 thumbprint,
        which is also the kid `token` and the services' tokens carry by default)
  create-market --name N --lat LAT --lng LNG [--address A] [--time-zone TZ]
        [--open-minute M --close-minute M (every day; default 0..1440)]
        [--fee-kind flat|per-km|base-plus-per-km] [--flat-fee-idr X] [--base-fee-idr X]
        [--base-meters M] [--per-km-idr X] [--road-factor-permille P]
        [--service-fee-idr X] [--max-distance-meters M] [--tolerance-percent P]
        [--trader-timeout-seconds S] [--dispatch-timeout-seconds S]
  update-market --id ID [--name N] [--address A] [--time-zone TZ]
        [--open-minute M --close-minute M (every day) | --closed] [--fee-kind K and its
        amounts, as above] [--service-fee-idr X] [--max-distance-meters M]
        [--tolerance-percent P] [--trader-timeout-seconds S] [--dispatch-timeout-seconds S]
        change the given settings only
  create-stall --market ID --trader SUBJ --name N --category C [--prep-minutes M] [--open]
        (--open opens it as its trader; stalls are created closed)
  create-product --stall ID --name N --category C --unit U --price-idr X --stock N [--weighed]
        (done as the stall's trader)
  create-courier --subject SUBJ --name N --plate P --home-market ID [--phone +62...]
  seed --town FILE [--tag T] [--real-hours] [--trader-timeout-seconds S]
        [--dispatch-timeout-seconds S]
        create a town's markets, stalls, products and couriers; prints {"slug": "uuid", ...}.
        Idempotent: the same --tag (default "town") finds the same objects again (the
        operator subject is always "pasar-seed", as in pasar-sim, so both share a town).
  orders list [--market ID] [--status S,S] [--limit N]
  orders get ORDER_ID
  orders cancel ORDER_ID [--reason TEXT]
        cancel any order before pickup, as an operator (CANCEL_REASON_OPERATOR; the text is
        kept as the order's cancel note). A PLACED order is cancelled at once; from CONFIRMED
        on it is a request dispatch settles: the order printed shows cancellation REQUESTED,
        and "orders get" later shows it ACCEPTED (CANCELLED) or REFUSED (already picked up)
  orders watch [--market ID] [--interval-ms MS]
        print every order change (polls ListOrders; see "limits" below)
  orders watch --id ORDER_ID --customer SUBJ
        follow one order with WatchOrder, as its customer
  stats [--market ID] [--since-minutes N]      dispatch numbers (DispatchOpsService.GetStats)
  couriers list [--market ID] [--state S]
  couriers statement COURIER_ID [--shift N | --day YYYY-MM-DD [--time-zone TZ]] [--csv]
        a courier's statement of a shift (default: the latest) or a day: cash at start, paid
        to traders, collected, refunds, expected and counted cash (the difference flagged),
        what programmes and the platform owe them; --csv prints one record for the office
  jobs list [--market ID] [--status S]
  jobs get JOB_ID
  programmes list
  programmes statement PROGRAMME_ID [--from RFC3339] [--to RFC3339] [--payee ID] [--csv]
        a programme's statement for a period (every delivered order with a benefit, totals
        per payee), as an operator; --csv prints the accountability report's CSV (README,
        "Programmes")
  jobs unassign JOB_ID [--note TEXT]
        take the courier off a job nothing of which was picked up (or withdraw its pending
        offer); the job is matched again without them
  jobs resolve JOB_ID --action declare-failed|receive-at-office|mark-delivered --reason TEXT
        settle a stuck delivery (README, "Failed deliveries and returns"): declare a
        DELIVERING job failed without the waiting rule, receive a RETURNING job's goods at
        the market office, or mark a DELIVERING job delivered on evidence; the reason and the
        operator's --subject are kept in dispatch's audit

global options (before or after the command):
  --inventory ADDR   default $PASAR_INVENTORY_ADDR or 127.0.0.1:7101
  --order ADDR       default $PASAR_ORDER_ADDR or 127.0.0.1:7102
  --dispatch ADDR    default $PASAR_DISPATCH_ADDR or 127.0.0.1:7103
  --tls-ca-file PEM  speak TLS, trusting this root certificate (default $PASAR_TLS_CA_FILE;
                     unset: plaintext)
  --tls-server-name NAME
                     the name on the services' certificates when the addresses do not carry it
                     (default $PASAR_TLS_SERVER_NAME, else each address's host)
  --subject SUBJ     the operator's JWT subject (default "pasarctl")
  --key-file PEM     sign tokens with this private key (default $PASAR_JWT_PRIVATE_KEY_FILE;
                     unset: HS256 with $PASAR_JWT_SECRET, development only)
  --kid KID          the kid of the tokens (default $PASAR_JWT_KEY_ID, else the key's
                     thumbprint)
  --request-id ID    idempotency key of a create, cancel, unassign or resolve (default:
                     random; the same key again returns the first answer)
  --json             print lists as JSON lines instead of a table
  --timeout SECONDS  per call (default 10)
  --retry-seconds S  retry a call that fails for a transient reason (UNAVAILABLE, ABORTED,
                     DEADLINE_EXCEEDED) for this long, with the same request (default 60)
Tokens carry $PASAR_JWT_ISSUER and $PASAR_JWT_AUDIENCE (default "pasar").

limits: the order service streams one order at a time (WatchOrder, customer only), so
"orders watch" without --id polls ListOrders as an operator.
)";

const std::set<std::string> kGlobal = {"inventory",       "order",   "dispatch",   "tls-ca-file",
                                       "tls-server-name", "subject", "request-id", "json",
                                       "timeout",         "help",    "key-file",   "kid",
                                       "retry-seconds"};

std::string Json(const google::protobuf::Message& m, bool pretty = true) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.add_whitespace = pretty;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

// The accountability report (README "Programmes"): one `order` record per delivered order with
// a benefit, one `payee` record per payee, one `total` record.
std::string StatementCsv(const ord::GetProgrammeStatementResponse& s) {
  std::string out =
      "record,programme_id,order_id,market_id,delivered_at,payee_id,goods_total_idr,"
      "delivery_fee_idr,total_idr,delivery_subsidy_idr,voucher_idr,benefit_idr,"
      "cash_collected_idr,orders\n";
  const std::string& id = s.programme().id();
  for (const auto& l : s.lines()) {
    const absl::Time at = absl::FromUnixSeconds(l.delivered_at().seconds());
    absl::StrAppend(&out, "order,", id, ",", l.order_id(), ",", l.market_id(), ",",
                    absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone()), ",",
                    l.payee_id(), ",", l.goods_total_idr(), ",", l.delivery_fee_idr(), ",",
                    l.total_idr(), ",", l.delivery_subsidy_idr(), ",", l.voucher_idr(), ",",
                    l.benefit_idr(), ",", l.cash_collected_idr(), ",1\n");
  }
  int64_t orders = 0;
  for (const auto& p : s.payees()) {
    absl::StrAppend(&out, "payee,", id, ",,,,", p.payee_id(), ",,,,,,", p.benefit_idr(), ",,",
                    p.orders(), "\n");
    orders += p.orders();
  }
  absl::StrAppend(&out, "total,", id, ",,,,,,,,,,", s.total_benefit_idr(), ",,", orders, "\n");
  return out;
}

// A courier's statement (README "Courier statements") as one CSV record under its header.
std::string CourierStatementCsv(const dsp::CourierStatement& s) {
  std::string out =
      "courier_id,courier_name,shift_id,day,from,until,cash_at_start_idr,paid_to_traders_idr,"
      "collected_from_customers_idr,refunded_by_traders_idr,expected_cash_end_idr,"
      "cash_counted,counted_cash_idr,difference_idr,difference_flagged,owed_by_programmes_idr,"
      "earnings_idr,service_fees_owed_idr,failure_fees_idr,failure_compensation_idr,"
      "goods_at_office_idr,deliveries,failed_deliveries\n";
  auto at = [](const google::protobuf::Timestamp& t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                            absl::UTCTimeZone());
  };
  // Names are the couriers' own: quoted, inner quotes doubled.
  std::string name = "\"";
  for (char c : s.courier_name())
    name += c == '"' ? std::string("\"\"") : std::string(1, c);
  name += "\"";
  absl::StrAppend(&out, s.courier_id(), ",", name, ",", s.shift_id(), ",", s.day(), ",",
                  at(s.from()), ",", at(s.until()), ",", s.cash_at_start_idr(), ",",
                  s.paid_to_traders_idr(), ",", s.collected_from_customers_idr(), ",",
                  s.refunded_by_traders_idr(), ",", s.expected_cash_end_idr(), ",",
                  s.cash_counted() ? "true" : "false", ",", s.counted_cash_idr(), ",",
                  s.difference_idr(), ",", s.difference_flagged() ? "true" : "false", ",",
                  s.owed_by_programmes_idr(), ",", s.earnings_idr(), ",", s.service_fees_owed_idr(),
                  ",", s.failure_fees_idr(), ",", s.failure_compensation_idr(), ",",
                  s.goods_at_office_idr(), ",", s.deliveries(), ",", s.failed_deliveries(), "\n");
  return out;
}

std::string RandomRequestId() {
  std::random_device rd;
  return absl::StrFormat("pasarctl-%08x%08x", rd(), rd());
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%H:%M:%S", absl::FromUnixSeconds(t.seconds()), absl::LocalTimeZone());
}

template <class Enum>
Enum ParseEnum(const std::string& prefix, const std::string& text,
               bool (*parse)(const std::string&, Enum*)) {
  std::string name = text;
  for (char& c : name)
    c = (c == '-') ? '_' : static_cast<char>(std::toupper(c));
  if (name.rfind(prefix, 0) != 0) name = prefix + name;
  Enum value{};
  if (!parse(name, &value)) throw std::invalid_argument("unknown value " + text);
  return value;
}

std::string Short(const std::string& enum_name, size_t prefix) {
  return enum_name.size() > prefix ? enum_name.substr(prefix) : enum_name;
}

class Ctl final {
 public:
  Ctl(const Flags& flags, Api& api)
      : flags_(flags),
        api_(api),
        op_(api.Token(pasar::auth::Role::kOperator, flags.Str("subject", "pasarctl"))) {
    options_.timeout = absl::Seconds(flags.Int("timeout", 10));
    options_.retry_for = absl::Seconds(flags.Int("retry-seconds", 60));
  }

  int Token() {
    flags_.AllowOnly(With({"role", "subject", "stalls", "ttl-hours"}));
    const auto role = pasar::auth::ParseRole(flags_.Required("role"));
    if (!role)
      throw std::invalid_argument(
          "--role: one of customer, trader, courier, operator, official, service");
    pasar::auth::Principal p{flags_.Required("subject"), *role, {}};
    if (flags_.Has("stalls")) {
      for (auto s : absl::StrSplit(flags_.Str("stalls"), ',', absl::SkipEmpty())) {
        p.stalls.emplace_back(s);
      }
    }
    const absl::Duration ttl = flags_.Has("ttl-hours") ? absl::Hours(flags_.Int("ttl-hours", 12))
                                                       : api_.minter().DefaultTtl(p.role);
    std::cout << api_.minter().Mint(p, ttl) << "\n";
    return 0;
  }

  int CreateMarket() {
    flags_.AllowOnly(
        With({"name", "lat", "lng", "address", "time-zone", "open-minute", "close-minute",
              "fee-kind", "flat-fee-idr", "base-fee-idr", "base-meters", "per-km-idr",
              "road-factor-permille", "service-fee-idr", "max-distance-meters", "tolerance-percent",
              "trader-timeout-seconds", "dispatch-timeout-seconds"}));
    inv::CreateMarketRequest req;
    req.set_request_id(RequestId());
    inv::Market* m = req.mutable_market();
    m->set_name(flags_.Required("name"));
    m->mutable_location()->set_lat(flags_.Double("lat", 0));
    m->mutable_location()->set_lng(flags_.Double("lng", 0));
    m->set_address(flags_.Str("address"));
    m->set_time_zone(flags_.Str("time-zone", "Asia/Jakarta"));
    for (int day = 1; day <= 7; ++day) {
      inv::OpeningInterval* i = m->mutable_opening_hours()->add_intervals();
      i->set_weekday(static_cast<inv::Weekday>(day));
      i->set_open_minute(static_cast<int>(flags_.Int("open-minute", 0)));
      i->set_close_minute(static_cast<int>(flags_.Int("close-minute", 1440)));
    }
    inv::FeeScheme* fee = m->mutable_fee_scheme();
    fee->set_kind(ParseEnum<inv::FeeKind>("FEE_KIND_", flags_.Str("fee-kind", "base-plus-per-km"),
                                          inv::FeeKind_Parse));
    fee->set_flat_fee_idr(flags_.Int("flat-fee-idr", 0));
    fee->set_base_fee_idr(flags_.Int("base-fee-idr", 8000));
    fee->set_base_meters(flags_.Int("base-meters", 2000));
    fee->set_per_km_idr(flags_.Int("per-km-idr", 2500));
    fee->set_road_factor_permille(static_cast<int>(flags_.Int("road-factor-permille", 1300)));
    m->set_service_fee_idr(flags_.Int("service-fee-idr", 2000));
    m->set_max_delivery_distance_meters(flags_.Int("max-distance-meters", 8000));
    m->set_weighed_tolerance_percent(static_cast<int>(flags_.Int("tolerance-percent", 10)));
    m->set_trader_response_timeout_seconds(
        static_cast<int>(flags_.Int("trader-timeout-seconds", 0)));
    m->set_dispatch_timeout_seconds(static_cast<int>(flags_.Int("dispatch-timeout-seconds", 0)));
    inv::CreateMarketResponse resp;
    Check(
        Call(
            op_,
            [&](grpc::ClientContext* c) { return api_.market_admin().CreateMarket(c, req, &resp); },
            options_),
        "CreateMarket");
    std::cout << Json(resp.market()) << "\n";
    return 0;
  }

  int UpdateMarket() {
    flags_.AllowOnly(
        With({"id", "name", "address", "time-zone", "open-minute", "close-minute", "closed",
              "fee-kind", "flat-fee-idr", "base-fee-idr", "base-meters", "per-km-idr",
              "road-factor-permille", "service-fee-idr", "max-distance-meters", "tolerance-percent",
              "trader-timeout-seconds", "dispatch-timeout-seconds"}));
    inv::UpdateMarketRequest req;
    req.set_request_id(RequestId());
    req.set_market_id(flags_.Required("id"));
    if (flags_.Has("name")) req.set_name(flags_.Str("name"));
    if (flags_.Has("address")) req.set_address(flags_.Str("address"));
    if (flags_.Has("time-zone")) req.set_time_zone(flags_.Str("time-zone"));
    if (flags_.Bool("closed")) {
      req.mutable_opening_hours();  // an empty week: closed every day
    } else if (flags_.Has("open-minute") || flags_.Has("close-minute")) {
      for (int day = 1; day <= 7; ++day) {
        inv::OpeningInterval* i = req.mutable_opening_hours()->add_intervals();
        i->set_weekday(static_cast<inv::Weekday>(day));
        i->set_open_minute(static_cast<int>(flags_.Int("open-minute", 0)));
        i->set_close_minute(static_cast<int>(flags_.Int("close-minute", 1440)));
      }
    }
    if (flags_.Has("fee-kind")) {
      inv::FeeScheme* fee = req.mutable_fee_scheme();
      fee->set_kind(
          ParseEnum<inv::FeeKind>("FEE_KIND_", flags_.Str("fee-kind"), inv::FeeKind_Parse));
      fee->set_flat_fee_idr(flags_.Int("flat-fee-idr", 0));
      fee->set_base_fee_idr(flags_.Int("base-fee-idr", 0));
      fee->set_base_meters(flags_.Int("base-meters", 0));
      fee->set_per_km_idr(flags_.Int("per-km-idr", 0));
      fee->set_road_factor_permille(static_cast<int>(flags_.Int("road-factor-permille", 0)));
    }
    if (flags_.Has("service-fee-idr")) req.set_service_fee_idr(flags_.Int("service-fee-idr", 0));
    if (flags_.Has("max-distance-meters")) {
      req.set_max_delivery_distance_meters(flags_.Int("max-distance-meters", 0));
    }
    if (flags_.Has("tolerance-percent")) {
      req.set_weighed_tolerance_percent(static_cast<int>(flags_.Int("tolerance-percent", 0)));
    }
    if (flags_.Has("trader-timeout-seconds")) {
      req.set_trader_response_timeout_seconds(
          static_cast<int>(flags_.Int("trader-timeout-seconds", 0)));
    }
    if (flags_.Has("dispatch-timeout-seconds")) {
      req.set_dispatch_timeout_seconds(static_cast<int>(flags_.Int("dispatch-timeout-seconds", 0)));
    }
    inv::UpdateMarketResponse resp;
    Check(
        Call(
            op_,
            [&](grpc::ClientContext* c) { return api_.market_admin().UpdateMarket(c, req, &resp); },
            options_),
        "UpdateMarket");
    std::cout << Json(resp.market()) << "\n";
    return 0;
  }

  int CreateStall() {
    flags_.AllowOnly(With({"market", "trader", "name", "category", "prep-minutes", "open"}));
    inv::CreateStallRequest req;
    req.set_request_id(RequestId());
    req.set_market_id(flags_.Required("market"));
    req.set_trader_subject(flags_.Required("trader"));
    req.set_name(flags_.Required("name"));
    req.set_category(Category(flags_.Required("category")));
    req.set_preparation_minutes(static_cast<int>(flags_.Int("prep-minutes", 10)));
    inv::CreateStallResponse resp;
    Check(
        Call(
            op_,
            [&](grpc::ClientContext* c) { return api_.market_admin().CreateStall(c, req, &resp); },
            options_),
        "CreateStall");
    inv::Stall stall = resp.stall();
    if (flags_.Bool("open")) {
      inv::UpdateStallRequest open;
      open.set_request_id(req.request_id() + ":open");
      open.set_stall_id(stall.id());
      open.set_open(true);
      inv::UpdateStallResponse open_resp;
      const std::string trader = pasar::town::TraderToken(api_, stall.trader_subject(), stall.id());
      Check(Call(
                trader,
                [&](grpc::ClientContext* c) {
                  return api_.stalls().UpdateStall(c, open, &open_resp);
                },
                options_),
            "UpdateStall (open)");
      stall = open_resp.stall();
    }
    std::cout << Json(stall) << "\n";
    return 0;
  }

  int CreateProduct() {
    flags_.AllowOnly(With({"stall", "name", "category", "unit", "price-idr", "stock", "weighed"}));
    const std::string stall_id = flags_.Required("stall");
    inv::GetStallRequest get;
    get.set_stall_id(stall_id);
    inv::GetStallResponse stall;
    Check(Call(
              op_, [&](grpc::ClientContext* c) { return api_.catalog().GetStall(c, get, &stall); },
              options_),
          "GetStall");
    inv::CreateProductRequest req;
    req.set_request_id(RequestId());
    req.set_stall_id(stall_id);
    req.set_name(flags_.Required("name"));
    req.set_category(
        Category(flags_.Str("category", pasar::town::CategorySlug(stall.stall().category()))));
    req.set_unit(flags_.Required("unit"));
    req.set_price_idr(flags_.Int("price-idr", 0));
    req.set_stock(flags_.Int("stock", 0));
    req.set_weighed(flags_.Bool("weighed"));
    inv::CreateProductResponse resp;
    const std::string trader =
        pasar::town::TraderToken(api_, stall.stall().trader_subject(), stall_id);
    Check(Call(
              trader,
              [&](grpc::ClientContext* c) { return api_.stalls().CreateProduct(c, req, &resp); },
              options_),
          "CreateProduct");
    std::cout << Json(resp.product()) << "\n";
    return 0;
  }

  int CreateCourier() {
    flags_.AllowOnly(With({"subject", "name", "plate", "home-market", "phone"}));
    dsp::CreateCourierRequest req;
    req.set_request_id(RequestId());
    // --subject is the operator's subject among the global options; the courier's is the same
    // flag here, so the operator token keeps the default subject.
    req.set_subject(flags_.Required("subject"));
    req.set_name(flags_.Required("name"));
    req.set_vehicle_plate(flags_.Required("plate"));
    req.set_home_market_id(flags_.Required("home-market"));
    req.set_phone(pasar::town::E164Phone(flags_.Str("phone")));
    const std::string op = api_.Token(pasar::auth::Role::kOperator, "pasarctl");
    dsp::CreateCourierResponse resp;
    Check(Call(
              op,
              [&](grpc::ClientContext* c) {
                return api_.dispatch_ops().CreateCourier(c, req, &resp);
              },
              options_),
          "CreateCourier");
    std::cout << Json(resp.courier()) << "\n";
    return 0;
  }

  int Seed() {
    flags_.AllowOnly(
        With({"town", "tag", "real-hours", "trader-timeout-seconds", "dispatch-timeout-seconds"}));
    const pasar::town::Town town = pasar::town::LoadTown(flags_.Required("town"));
    pasar::town::SeedOptions o;
    o.tag = flags_.Str("tag", "town");
    o.real_hours = flags_.Bool("real-hours");
    o.trader_response_timeout_seconds = static_cast<int>(flags_.Int("trader-timeout-seconds", 0));
    o.dispatch_timeout_seconds = static_cast<int>(flags_.Int("dispatch-timeout-seconds", 0));
    o.progress = [](std::string_view msg) { std::cerr << "seed: " << msg << "\n"; };
    const pasar::town::Seeded seeded = pasar::town::SeedTown(api_, town, o);
    std::cout << "{";
    bool first = true;
    for (const auto& [slug, id] : seeded.ids) {
      std::cout << (first ? "\n" : ",\n") << "  \"" << slug << "\": \"" << id << "\"";
      first = false;
    }
    std::cout << "\n}\n";
    return 0;
  }

  int Orders() {
    const auto& pos = flags_.positional();
    const std::string sub = pos.size() > 1 ? pos[1] : "";
    if (sub == "list") return OrdersList();
    if (sub == "get") return OrdersGet();
    if (sub == "cancel") return OrdersCancel();
    if (sub == "watch") return flags_.Has("id") ? WatchOne() : WatchAll();
    throw std::invalid_argument("orders: list, get, cancel or watch");
  }

  int Programmes() {
    const auto& pos = flags_.positional();
    const std::string sub = pos.size() > 1 ? pos[1] : "";
    if (sub == "list") {
      flags_.AllowOnly(kGlobal);
      ord::ListProgrammesRequest req;
      req.set_page_size(100);
      ord::ListProgrammesResponse resp;
      Check(Call(
                op_,
                [&](grpc::ClientContext* c) {
                  return api_.programmes().ListProgrammes(c, req, &resp);
                },
                options_),
            "ListProgrammes");
      for (const auto& p : resp.programmes())
        std::cout << Json(p, false) << "\n";
      return 0;
    }
    if (sub != "statement" || pos.size() < 3) {
      throw std::invalid_argument(
          "programmes: list, or statement PROGRAMME_ID [--from T] [--to T] [--payee ID] [--csv]");
    }
    flags_.AllowOnly(With({"from", "to", "payee", "csv"}));
    ord::GetProgrammeStatementRequest req;
    req.set_programme_id(pos[2]);
    for (const char* bound : {"from", "to"}) {
      if (!flags_.Has(bound)) continue;
      absl::Time t;
      std::string err;
      if (!absl::ParseTime(absl::RFC3339_full, flags_.Str(bound), &t, &err)) {
        throw std::invalid_argument(std::string("--") + bound + ": not an RFC 3339 time");
      }
      auto* ts = std::string(bound) == "from" ? req.mutable_from() : req.mutable_to();
      ts->set_seconds(absl::ToUnixSeconds(t));
    }
    req.set_payee_id(flags_.Str("payee"));
    ord::GetProgrammeStatementResponse resp;
    Check(Call(
              op_,
              [&](grpc::ClientContext* c) {
                return api_.programmes().GetProgrammeStatement(c, req, &resp);
              },
              options_),
          "GetProgrammeStatement");
    if (flags_.Bool("csv")) {
      std::cout << StatementCsv(resp);
    } else {
      std::cout << Json(resp) << "\n";
    }
    return 0;
  }

  int Stats() {
    flags_.AllowOnly(With({"market", "since-minutes"}));
    dsp::GetStatsRequest req;
    req.set_market_id(flags_.Str("market"));
    if (flags_.Has("since-minutes")) {
      const absl::Time since = absl::Now() - absl::Minutes(flags_.Int("since-minutes", 1440));
      req.mutable_since()->set_seconds(absl::ToUnixSeconds(since));
    }
    dsp::GetStatsResponse resp;
    Check(Call(
              op_,
              [&](grpc::ClientContext* c) { return api_.dispatch_ops().GetStats(c, req, &resp); },
              options_),
          "GetStats");
    if (flags_.Bool("json")) {
      std::cout << Json(resp) << "\n";
      return 0;
    }
    std::cout << "market " << (resp.market_id().empty() ? "(all)" : resp.market_id()) << " since "
              << Time(resp.since()) << "\ncouriers:";
    for (const auto& c : resp.couriers_by_state()) {
      std::cout << " " << Short(dsp::CourierState_Name(c.state()), 14) << "=" << c.count();
    }
    std::cout << "\njobs:    ";
    for (const auto& j : resp.jobs_by_status()) {
      std::cout << " " << Short(dsp::JobStatus_Name(j.status()), 11) << "=" << j.count();
    }
    std::cout << absl::StrFormat(
        "\noffers: made %d accepted %d declined %d expired %d withdrawn %d\n"
        "assignments %d unassignments %d dispatch failures %d\n"
        "assign latency ms: mean %.0f p50 %d p90 %d p99 %d\n",
        resp.offers_made(), resp.offers_accepted(), resp.offers_declined(), resp.offers_expired(),
        resp.offers_withdrawn(), resp.assignments(), resp.unassignments(), resp.dispatch_failures(),
        resp.assign_latency_mean_ms(), resp.assign_latency_p50_ms(), resp.assign_latency_p90_ms(),
        resp.assign_latency_p99_ms());
    return 0;
  }

  int CourierStatement() {
    const auto& pos = flags_.positional();
    if (pos.size() < 3) {
      throw std::invalid_argument(
          "couriers statement COURIER_ID [--shift N | --day YYYY-MM-DD [--time-zone TZ]] [--csv]");
    }
    flags_.AllowOnly(With({"shift", "day", "time-zone", "csv"}));
    dsp::GetCourierStatementRequest req;
    req.set_courier_id(pos[2]);
    req.set_shift_id(flags_.Int("shift", 0));
    req.set_day(flags_.Str("day"));
    req.set_time_zone(flags_.Str("time-zone"));
    dsp::GetCourierStatementResponse resp;
    Check(Call(
              op_,
              [&](grpc::ClientContext* c) {
                return api_.dispatch_ops().GetCourierStatement(c, req, &resp);
              },
              options_),
          "GetCourierStatement");
    if (flags_.Bool("csv")) {
      std::cout << CourierStatementCsv(resp.statement());
    } else {
      std::cout << Json(resp.statement()) << "\n";
    }
    return 0;
  }

  int Couriers() {
    const auto& pos = flags_.positional();
    if (pos.size() > 1 && pos[1] == "statement") return CourierStatement();
    flags_.AllowOnly(With({"market", "state"}));
    dsp::ListCouriersRequest req;
    req.set_home_market_id(flags_.Str("market"));
    if (flags_.Has("state")) {
      req.add_states(ParseEnum<dsp::CourierState>("COURIER_STATE_", flags_.Str("state"),
                                                  dsp::CourierState_Parse));
    }
    req.set_page_size(100);
    do {
      dsp::ListCouriersResponse resp;
      Check(Call(
                op_,
                [&](grpc::ClientContext* c) {
                  return api_.dispatch_ops().ListCouriers(c, req, &resp);
                },
                options_),
            "ListCouriers");
      for (const auto& c : resp.couriers()) {
        if (flags_.Bool("json")) {
          std::cout << Json(c, false) << "\n";
        } else {
          std::cout << absl::StrFormat("%-36s %-24s %-11s cash %9d job %s\n", c.id(), c.name(),
                                       Short(dsp::CourierState_Name(c.state()), 14),
                                       c.cash_on_hand_idr(),
                                       c.current_job_id().empty() ? "-" : c.current_job_id());
        }
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return 0;
  }

  int Jobs() {
    const auto& pos = flags_.positional();
    const std::string sub = pos.size() > 1 ? pos[1] : "";
    if (sub == "get") {
      flags_.AllowOnly(kGlobal);
      if (pos.size() < 3) throw std::invalid_argument("jobs get JOB_ID");
      dsp::GetJobRequest req;
      req.set_job_id(pos[2]);
      dsp::GetJobResponse resp;
      Check(Call(
                op_,
                [&](grpc::ClientContext* c) { return api_.dispatch_ops().GetJob(c, req, &resp); },
                options_),
            "GetJob");
      std::cout << Json(resp.job()) << "\n";
      return 0;
    }
    if (sub == "unassign") return JobsUnassign();
    if (sub == "resolve") return JobsResolve();
    if (sub != "list") throw std::invalid_argument("jobs: list, get, unassign or resolve");
    flags_.AllowOnly(With({"market", "status"}));
    dsp::ListJobsRequest req;
    req.set_market_id(flags_.Str("market"));
    if (flags_.Has("status")) {
      req.add_statuses(
          ParseEnum<dsp::JobStatus>("JOB_STATUS_", flags_.Str("status"), dsp::JobStatus_Parse));
    }
    req.set_page_size(100);
    do {
      dsp::ListJobsResponse resp;
      Check(Call(
                op_,
                [&](grpc::ClientContext* c) { return api_.dispatch_ops().ListJobs(c, req, &resp); },
                options_),
            "ListJobs");
      for (const auto& j : resp.jobs()) {
        if (flags_.Bool("json")) {
          std::cout << Json(j, false) << "\n";
        } else {
          std::cout << absl::StrFormat("%-36s %-11s courier %-36s goods %8d collect %8d\n", j.id(),
                                       Short(dsp::JobStatus_Name(j.status()), 11),
                                       j.courier_id().empty() ? "-" : j.courier_id(),
                                       j.goods_total_idr(), j.cash_to_collect_idr());
        }
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return 0;
  }

 private:
  std::set<std::string> With(std::initializer_list<std::string> names) const {
    std::set<std::string> all = kGlobal;
    all.insert(names);
    return all;
  }

  std::string RequestId() const { return flags_.Str("request-id", RandomRequestId()); }

  static inv::Category Category(const std::string& slug) {
    const inv::Category c = pasar::town::CategoryOf(slug);
    if (c == inv::CATEGORY_UNSPECIFIED) throw std::invalid_argument("--category: unknown " + slug);
    return c;
  }

  static std::string OrderLine(const ord::Order& o) {
    std::string status = Short(ord::OrderStatus_Name(o.status()), 13);
    if (o.status() == ord::ORDER_STATUS_CANCELLED) {
      status += "/" + Short(ord::CancelReason_Name(o.cancel_reason()), 14);
    }
    std::string line =
        absl::StrFormat("%-36s %s %-28s %-20s %2d tickets total %8d courier %s", o.id(),
                        Time(o.created_at()), o.market_name(), status, o.tickets_size(),
                        o.total_idr(), o.has_courier() ? o.courier().name() : "-");
    // A stacked trip: the courier's drop-offs before this one (only the count is known).
    if (o.stops_before() > 0) {
      line += absl::StrFormat(" (%d %s before)", o.stops_before(),
                              o.stops_before() == 1 ? "stop" : "stops");
    }
    return line;
  }

  void PrintOrder(const ord::Order& o) const {
    std::cout << (flags_.Bool("json") ? Json(o, false) : OrderLine(o)) << "\n" << std::flush;
  }

  ord::ListOrdersRequest ListRequest() const {
    ord::ListOrdersRequest req;
    req.set_market_id(flags_.Str("market"));
    if (flags_.Has("status")) {
      for (auto s : absl::StrSplit(flags_.Str("status"), ',', absl::SkipEmpty())) {
        req.add_statuses(
            ParseEnum<ord::OrderStatus>("ORDER_STATUS_", std::string(s), ord::OrderStatus_Parse));
      }
    }
    req.set_page_size(100);
    return req;
  }

  // Every order matching `req`, newest first, at most `limit`.
  std::vector<ord::Order> ListAll(ord::ListOrdersRequest req, int64_t limit) const {
    std::vector<ord::Order> out;
    do {
      ord::ListOrdersResponse resp;
      Check(
          Call(
              op_, [&](grpc::ClientContext* c) { return api_.orders().ListOrders(c, req, &resp); },
              options_),
          "ListOrders");
      for (const auto& o : resp.orders()) {
        if (static_cast<int64_t>(out.size()) >= limit) return out;
        out.push_back(o);
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  int OrdersList() {
    flags_.AllowOnly(With({"market", "status", "limit"}));
    for (const auto& o : ListAll(ListRequest(), flags_.Int("limit", 50)))
      PrintOrder(o);
    return 0;
  }

  int OrdersGet() {
    flags_.AllowOnly(kGlobal);
    if (flags_.positional().size() < 3) throw std::invalid_argument("orders get ORDER_ID");
    ord::GetOrderRequest req;
    req.set_order_id(flags_.positional()[2]);
    ord::GetOrderResponse resp;
    Check(Call(
              op_, [&](grpc::ClientContext* c) { return api_.orders().GetOrder(c, req, &resp); },
              options_),
          "GetOrder");
    std::cout << Json(resp.order()) << "\n";
    return 0;
  }

  // CancelOrder with the operator's token: the order service records CANCEL_REASON_OPERATOR.
  int OrdersCancel() {
    flags_.AllowOnly(With({"reason"}));
    if (flags_.positional().size() < 3) {
      throw std::invalid_argument("orders cancel ORDER_ID [--reason TEXT]");
    }
    ord::CancelOrderRequest req;
    req.set_request_id(RequestId());
    req.set_order_id(flags_.positional()[2]);
    req.set_reason(flags_.Str("reason"));
    ord::CancelOrderResponse resp;
    // The service answers "order not found" without the id: name it for the operator.
    Check(Call(
              op_, [&](grpc::ClientContext* c) { return api_.orders().CancelOrder(c, req, &resp); },
              options_),
          "CancelOrder " + req.order_id());
    std::cout << Json(resp.order()) << "\n";
    return 0;
  }

  // Polls ListOrders and prints each order whose version changed; runs until interrupted.
  int WatchAll() {
    flags_.AllowOnly(With({"market", "status", "interval-ms", "limit"}));
    const absl::Duration interval = absl::Milliseconds(flags_.Int("interval-ms", 1000));
    const int64_t limit = flags_.Int("limit", 500);
    std::map<std::string, int64_t> seen;  // order id -> version printed
    for (;;) {
      std::vector<ord::Order> orders = ListAll(ListRequest(), limit);
      for (auto it = orders.rbegin(); it != orders.rend(); ++it) {  // oldest first
        int64_t& version = seen[it->id()];
        if (it->version() != version) {
          version = it->version();
          PrintOrder(*it);
        }
      }
      absl::SleepFor(interval);
    }
  }

  // Follows one order with WatchOrder as its customer until it is final.
  int WatchOne() {
    flags_.AllowOnly(With({"id", "customer"}));
    const std::string token = api_.Token(pasar::auth::Role::kCustomer, flags_.Required("customer"));
    ord::WatchOrderRequest req;
    req.set_order_id(flags_.Required("id"));
    grpc::ClientContext ctx;
    pasar::town::Prepare(ctx, token, absl::Hours(24));
    auto stream = api_.orders().WatchOrder(&ctx, req);
    ord::WatchOrderResponse msg;
    while (stream->Read(&msg))
      PrintOrder(msg.order());
    const grpc::Status st = stream->Finish();
    pasar::town::Outcome out{st, pasar::town::ErrorReason(ctx, st), 1};
    Check(out, "WatchOrder");
    return 0;
  }

  // UnassignCourier as the operator: the courier goes IDLE and is never offered this job again.
  int JobsUnassign() {
    flags_.AllowOnly(With({"note"}));
    if (flags_.positional().size() < 3) {
      throw std::invalid_argument("jobs unassign JOB_ID [--note TEXT]");
    }
    dsp::UnassignCourierRequest req;
    req.set_request_id(RequestId());
    req.set_job_id(flags_.positional()[2]);
    req.set_note(flags_.Str("note"));
    dsp::UnassignCourierResponse resp;
    Check(Call(
              op_,
              [&](grpc::ClientContext* c) {
                return api_.dispatch_ops().UnassignCourier(c, req, &resp);
              },
              options_),
          "UnassignCourier " + req.job_id());  // named, as for CancelOrder
    std::cout << Json(resp.job()) << "\n";
    return 0;
  }

  int JobsResolve() {
    flags_.AllowOnly(With({"action", "reason"}));
    if (flags_.positional().size() < 3 || !flags_.Has("action")) {
      throw std::invalid_argument(
          "jobs resolve JOB_ID --action declare-failed|receive-at-office|mark-delivered "
          "--reason TEXT");
    }
    dsp::ResolveDeliveryRequest req;
    req.set_request_id(RequestId());
    req.set_job_id(flags_.positional()[2]);
    req.set_action(ParseEnum<dsp::ResolveAction>("RESOLVE_ACTION_", flags_.Str("action"),
                                                 dsp::ResolveAction_Parse));
    req.set_reason(flags_.Str("reason"));
    dsp::ResolveDeliveryResponse resp;
    Check(Call(
              op_,
              [&](grpc::ClientContext* c) {
                return api_.dispatch_ops().ResolveDelivery(c, req, &resp);
              },
              options_),
          "ResolveDelivery " + req.job_id());
    std::cout << Json(resp.job()) << "\n";
    return 0;
  }

  const Flags& flags_;
  Api& api_;
  std::string op_;
  pasar::town::CallOptions options_;
};

// pasarctl keygen: a new private key in PEM, printed or written to --out (created 0600).
int Keygen(const Flags& flags) {
  flags.AllowOnly({"alg", "out", "help"});
  const pasar::auth::SigningKey key = pasar::auth::SigningKey::Generate(flags.Str("alg", "ES256"));
  const std::string pem = key.PrivateKeyPem();
  if (!flags.Has("out")) {
    std::cout << pem;
    return 0;
  }
  const std::string path = flags.Str("out");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error(path + ": cannot create (it must not exist yet)");
  const bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  if (::close(fd) != 0 || !written) throw std::runtime_error(path + ": cannot write");
  std::cerr << "pasarctl: " << key.alg() << " key " << key.kid() << " written to " << path << "\n";
  return 0;
}

// pasarctl jwks: the JWK Set of the public halves of the PEM private keys given.
int Jwks(const Flags& flags) {
  flags.AllowOnly({"kid", "help"});
  const std::vector<std::string> files(flags.positional().begin() + 1, flags.positional().end());
  if (files.empty()) throw std::invalid_argument("jwks: give one or more PEM private key files");
  if (flags.Has("kid") && files.size() != 1) {
    throw std::invalid_argument("jwks: --kid names one key only");
  }
  std::vector<pasar::auth::SigningKey> keys;
  for (const std::string& file : files)
    keys.push_back(pasar::auth::SigningKey::FromFile(file, flags.Str("kid")));
  std::cout << pasar::auth::JwkSet(keys);
  return 0;
}

int Run(int argc, char** argv) {
  const Flags flags(argc, argv);
  if (flags.positional().empty() || flags.Bool("help") || flags.positional()[0] == "help") {
    std::cout << kUsage;
    return flags.positional().empty() && !flags.Bool("help") ? 2 : 0;
  }
  const std::string& cmd = flags.positional()[0];
  // Key files: no service, no token.
  if (cmd == "keygen") return Keygen(flags);
  if (cmd == "jwks") return Jwks(flags);
  pasar::auth::JwtConfig jwt = pasar::auth::JwtConfigFromEnv();
  jwt.private_key_file = flags.Str("key-file", jwt.private_key_file);
  jwt.key_id = flags.Str("kid", jwt.key_id);
  Api api(pasar::town::EndpointsFromEnv(flags), std::move(jwt));
  Ctl ctl(flags, api);
  if (cmd == "token") return ctl.Token();
  if (cmd == "create-market") return ctl.CreateMarket();
  if (cmd == "update-market") return ctl.UpdateMarket();
  if (cmd == "create-stall") return ctl.CreateStall();
  if (cmd == "create-product") return ctl.CreateProduct();
  if (cmd == "create-courier") return ctl.CreateCourier();
  if (cmd == "seed") return ctl.Seed();
  if (cmd == "orders") return ctl.Orders();
  if (cmd == "stats") return ctl.Stats();
  if (cmd == "couriers") return ctl.Couriers();
  if (cmd == "jobs") return ctl.Jobs();
  if (cmd == "programmes") return ctl.Programmes();
  throw std::invalid_argument("unknown command " + cmd + " (pasarctl --help)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "pasarctl: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pasarctl: " << e.what() << "\n";
    return 1;
  }
}
