// End-to-end: the real pasarctl binary, run as the operator runs it, against the three real
// service binaries (fresh database, own Redis prefix). The town is seeded by `pasarctl seed`;
// customers, traders and couriers act through the public gRPC APIs (pasar::town::Api), and
// what pasarctl prints is read back into the protos it claims to print.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "pasar/auth/auth.h"
#include "pasar/rpc/client.h"
#include "pasar/testkit/eventually.h"
#include "pasar/testkit/keys.h"
#include "pasar/testkit/pki.h"
#include "pasar/testkit/testkit.h"
#include "pasar/town/api.h"
#include "pasar/town/seed.h"

extern char** environ;

namespace {

namespace testkit = pasar::testkit;
namespace ord = pasar::order::v1;
namespace dsp = pasar::dispatch::v1;
using pasar::auth::Role;
using pasar::town::Call;
using pasar::town::Check;

constexpr char kSecret[] = "pasarctl-e2e-secret-0123456789";
constexpr char kTag[] = "ctl-e2e";
// The name on the services' certificates (their addresses are 127.0.0.1).
constexpr char kServerName[] = "pasar.test";
// Every run of pasarctl ends well within this (its own calls time out after 10 s each).
constexpr std::chrono::seconds kRunLimit{120};

// One market, one stall with two products, one courier 300 m from the market: the smallest town
// `pasarctl seed` accepts (tools/sim/data/README.md describes the format).
constexpr char kTownJson[] = R"json({
  "format": "pasar-town", "format_version": 1, "currency": "IDR",
  "town": {"name": "Lumajang", "time_zone": "Asia/Jakarta",
    "dropoff_areas": [{"id": "jogotrunan", "name": "Jogotrunan",
      "center": {"lat": -8.142, "lng": 113.227}, "radius_meters": 600, "order_weight": 1}]},
  "markets": [{"id": "pasar-baru", "name": "Pasar Baru Lumajang",
    "location": {"lat": -8.1335, "lng": 113.2248}, "time_zone": "Asia/Jakarta",
    "demo_opening_hours": [{"weekday": 1, "open_minute": 0, "close_minute": 1440},
      {"weekday": 2, "open_minute": 0, "close_minute": 1440},
      {"weekday": 3, "open_minute": 0, "close_minute": 1440},
      {"weekday": 4, "open_minute": 0, "close_minute": 1440},
      {"weekday": 5, "open_minute": 0, "close_minute": 1440},
      {"weekday": 6, "open_minute": 0, "close_minute": 1440},
      {"weekday": 7, "open_minute": 0, "close_minute": 1440}],
    "real_opening_hours": [{"weekday": 1, "open_minute": 120, "close_minute": 660}],
    "fee_scheme": {"kind": "BASE_PLUS_PER_KM", "base_fee_idr": 8000, "base_km": 2,
      "per_km_idr": 2500, "road_factor": 1.3},
    "service_fee_idr": 2000, "max_delivery_distance_meters": 8000,
    "weighed_tolerance_percent": 10, "trader_response_timeout_seconds": 300}],
  "stalls": [{"id": "pb-sayur-bu-sri", "market": "pasar-baru", "name": "Sayur Bu Sri",
    "category": "sayur", "trader_subject": "trader-pb-sayur-bu-sri", "preparation_minutes": 10}],
  "products": [
    {"id": "pb-sayur-bu-sri-kangkung", "stall": "pb-sayur-bu-sri", "name": "Kangkung",
     "category": "sayur", "unit": "ikat", "price_idr": 3000, "weighed": false,
     "initial_stock": 50},
    {"id": "pb-sayur-bu-sri-bayam", "stall": "pb-sayur-bu-sri", "name": "Bayam",
     "category": "sayur", "unit": "ikat", "price_idr": 3500, "weighed": false,
     "initial_stock": 50}],
  "couriers": [{"id": "andi", "subject": "courier-andi", "name": "Andi Ojek",
    "phone": "081234567890", "vehicle_plate": "N 1234 WX", "home_market": "pasar-baru",
    "start_location": {"lat": -8.1308, "lng": 113.2248}, "cash_on_hand_idr": 300000}]
})json";

std::string RandomHex(int bytes) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(rng() & 0xff));
    out += b;
  }
  return out;
}

// A well-formed UUID that names nothing in a fresh database.
std::string RandomUuid() {
  const std::string h = RandomHex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-8" + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

// A file under $TMPDIR (else /tmp), removed on destruction.
class TempFile final {
 public:
  explicit TempFile(const std::string& contents = "") {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/pasarctl-e2e-XXXXXX";
    const int fd = mkstemp(path_.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed for " + path_);
    close(fd);
    std::ofstream(path_) << contents;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { unlink(path_.c_str()); }

  const std::string& path() const { return path_; }
  std::string Read() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

// How one run of pasarctl ended and what it printed.
struct CtlRun {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs the pasarctl binary with `args` and `env` added to (overriding) this process's environment,
// waits for it (killing it after kRunLimit, which fails the test) and collects its output. The
// output goes to files rather than pipes, so a chatty child can never block while we wait.
CtlRun RunPasarctl(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
  const std::string binary = testkit::BinaryPath("pasarctl");
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (env.count(kv.substr(0, kv.find('='))) == 0) env_s.push_back(kv);
  }
  for (const auto& [k, v] : env)
    env_s.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  const TempFile out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.path().c_str(), O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err.path().c_str(), O_WRONLY | O_TRUNC, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + binary + " failed");

  int status = 0;
  const auto until = std::chrono::steady_clock::now() + kRunLimit;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      throw std::runtime_error("pasarctl did not finish within the limit; stderr:\n" + err.Read());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CtlRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = out.Read();
  run.err = err.Read();
  return run;
}

using pasar::testkit::Eventually;

// pasarctl's JSON of one object, read back into its proto (fails the test when it is not one).
template <class Message>
Message Parse(const std::string& json) {
  Message m;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &m);
  INFO(json);
  REQUIRE(status.ok());
  return m;
}

// `pasarctl seed`'s answer: {"slug": "uuid", ...}.
std::map<std::string, std::string> SlugIds(const std::string& json) {
  const nlohmann::json doc = nlohmann::json::parse(json);
  std::map<std::string, std::string> ids;
  for (const auto& [slug, id] : doc.items())
    ids[slug] = id.get<std::string>();
  return ids;
}

// The order service's: inventory at `inventory` (over TLS when `tls` has a root), and far longer
// for its calls there than production's 3 s (on a loaded machine a slow answer must not turn
// into a refused PlaceOrder).
std::map<std::string, std::string> OrderEnv(std::map<std::string, std::string> env,
                                            const std::string& inventory,
                                            const pasar::rpc::ClientTls& tls) {
  env["PASAR_INVENTORY_ADDR"] = inventory;
  if (!tls.ca_file.empty()) {
    env["PASAR_INVENTORY_TLS_CA_FILE"] = tls.ca_file;
    env["PASAR_INVENTORY_TLS_SERVER_NAME"] = tls.server_name;
  }
  env["PASAR_RESERVE_DEADLINE_MS"] = "20000";
  env["PASAR_COMPENSATION_DEADLINE_MS"] = "20000";
  return env;
}

// The services' settings: short dispatch timers (offers outlive a slow, sanitized run), and TLS
// with `pki`'s certificate for kServerName when there is one.
std::map<std::string, std::string> ServiceSettings(const testkit::TestPki* pki) {
  std::map<std::string, std::string> settings{{"PASAR_BATCH_WINDOW_MS", "200"},
                                              {"PASAR_MATCHER_LEASE_MS", "2000"},
                                              {"PASAR_OFFER_TIMEOUT_MS", "60000"},
                                              {"PASAR_LOCATION_FLUSH_MS", "200"}};
  if (pki != nullptr) {
    settings["PASAR_TLS_CERT_FILE"] = pki->cert_file();
    settings["PASAR_TLS_KEY_FILE"] = pki->key_file();
  }
  return settings;
}

// The three services on a fresh database and Redis prefix, the town seeded by `pasarctl seed`,
// and clients acting as the town's people. Plaintext; or, given `pki`, every service serves TLS
// with its certificate, order reaches inventory over TLS, and pasarctl (through
// PASAR_TLS_CA_FILE and PASAR_TLS_SERVER_NAME) and the clients trust its root.
class Stack final {
 public:
  explicit Stack(const testkit::TestPki* pki = nullptr)
      : tls_(pki != nullptr ? pasar::rpc::ClientTls{pki->ca_file(), kServerName}
                            : pasar::rpc::ClientTls{}),
        env_(testkit::ServiceEnv(db_, testkit::UniqueRedisPrefix(), kSecret, ServiceSettings(pki))),
        inventory_(testkit::BinaryPath("pasar-inventory"), env_),
        order_(testkit::BinaryPath("pasar-order"), OrderEnv(env_, inventory_.address(), tls_)),
        dispatch_(testkit::BinaryPath("pasar-dispatch"), env_),
        api_({inventory_.address(), order_.address(), dispatch_.address(), tls_}, Jwt()) {
    const CtlRun seed = Ctl({"seed", "--town", town_file_.path(), "--tag", kTag});
    INFO(seed.err);
    REQUIRE(seed.exit_code == 0);
    ids_ = SlugIds(seed.out);
  }

  // pasarctl `args` against this stack, with the stack's JWT secret and (with TLS) its root.
  CtlRun Ctl(std::vector<std::string> args) const {
    return Ctl(std::move(args),
               {{"PASAR_TLS_CA_FILE", tls_.ca_file}, {"PASAR_TLS_SERVER_NAME", tls_.server_name}});
  }
  // The same with `env` instead of the stack's TLS settings (an empty value unsets one).
  CtlRun Ctl(std::vector<std::string> args, std::map<std::string, std::string> env) const {
    args.insert(args.end(), {"--inventory", inventory_.address(), "--order", order_.address(),
                             "--dispatch", dispatch_.address()});
    env["PASAR_JWT_SECRET"] = kSecret;
    return RunPasarctl(args, env);
  }

  const std::string& id(const std::string& slug) const { return ids_.at(slug); }
  const std::map<std::string, std::string>& ids() const { return ids_; }
  const std::string& town_path() const { return town_file_.path(); }
  pasar::town::Api& api() { return api_; }

  // A customer's order of two kangkung and one bayam, delivered 1.5 km north of the market.
  ord::Order PlaceOrder(const std::string& customer) {
    ord::PlaceOrderRequest req;
    req.set_request_id("place-" + RandomHex(8));
    req.set_market_id(id("pasar-baru"));
    ord::CartLine* line = req.add_lines();
    line->set_product_id(id("pb-sayur-bu-sri-kangkung"));
    line->set_quantity(2);
    line = req.add_lines();
    line->set_product_id(id("pb-sayur-bu-sri-bayam"));
    line->set_quantity(1);
    req.mutable_drop_off()->set_lat(-8.1200);
    req.mutable_drop_off()->set_lng(113.2248);
    req.set_drop_off_address("Jl. Panglima Sudirman 12, Lumajang");
    ord::PlaceOrderResponse resp;
    Check(Call(api_.Token(Role::kCustomer, customer),
               [&](grpc::ClientContext* c) { return api_.orders().PlaceOrder(c, req, &resp); }),
          "PlaceOrder");
    return resp.order();
  }

  ord::Order GetOrder(const std::string& customer, const std::string& order_id) {
    ord::GetOrderRequest req;
    req.set_order_id(order_id);
    ord::GetOrderResponse resp;
    Check(Call(api_.Token(Role::kCustomer, customer),
               [&](grpc::ClientContext* c) { return api_.orders().GetOrder(c, req, &resp); }),
          "GetOrder");
    return resp.order();
  }

  std::string AndiToken() { return api_.Token(Role::kCourier, "courier-andi"); }

  // Andi's shift, offer and job (DispatchCourierService.GetCurrentJob).
  dsp::GetCurrentJobResponse Andi() {
    dsp::GetCurrentJobResponse resp;
    Check(Call(AndiToken(),
               [&](grpc::ClientContext* c) {
                 return api_.couriers().GetCurrentJob(c, dsp::GetCurrentJobRequest(), &resp);
               }),
          "GetCurrentJob");
    return resp;
  }

  // Andi starts his shift with 300,000 at his start location (StartShift's position is his
  // first fix); `customer`'s order (PlaceOrder), accepted by Bu Sri, becomes a job offered to
  // Andi, who accepts it: ASSIGNED to him. Returns the order as placed.
  ord::Order AssignedToAndi(const std::string& customer) {
    const std::string courier = AndiToken();
    dsp::StartShiftRequest shift;
    shift.set_request_id("shift-" + RandomHex(8));
    shift.set_cash_on_hand_idr(300'000);
    shift.mutable_location()->set_lat(-8.1308);
    shift.mutable_location()->set_lng(113.2248);
    dsp::StartShiftResponse shift_resp;
    Check(Call(courier,
               [&](grpc::ClientContext* c) {
                 return api_.couriers().StartShift(c, shift, &shift_resp);
               }),
          "StartShift");
    const ord::Order placed = PlaceOrder(customer);
    REQUIRE(placed.tickets_size() == 1);
    ord::AcceptTicketRequest accept;
    accept.set_request_id("accept-" + RandomHex(8));
    accept.set_ticket_id(placed.tickets(0).id());
    ord::AcceptTicketResponse accept_resp;
    Check(Call(Trader(),
               [&](grpc::ClientContext* c) {
                 return api_.tickets().AcceptTicket(c, accept, &accept_resp);
               }),
          "AcceptTicket");
    dsp::Offer offer;
    REQUIRE(testkit::Eventually([&] {
      const auto now = Andi();
      if (!now.has_offer()) return false;
      offer = now.offer();
      return true;
    }));
    REQUIRE(offer.job().id() == placed.id());
    dsp::AcceptOfferRequest take;
    take.set_request_id("take-" + RandomHex(8));
    take.set_offer_id(offer.offer_id());
    dsp::AcceptOfferResponse taken;
    Check(
        Call(courier,
             [&](grpc::ClientContext* c) { return api_.couriers().AcceptOffer(c, take, &taken); }),
        "AcceptOffer");
    REQUIRE(taken.job().status() == dsp::JOB_STATUS_ASSIGNED);
    REQUIRE(taken.job().courier_id() == id("andi"));
    return placed;
  }

  // Bu Sri's token (her stall's trader).
  std::string Trader() {
    return pasar::town::TraderToken(api_, "trader-pb-sayur-bu-sri", id("pb-sayur-bu-sri"));
  }

 private:
  static pasar::auth::JwtConfig Jwt() {
    pasar::auth::JwtConfig c;
    c.secret = kSecret;
    return c;
  }

  testkit::TempDatabase db_;
  pasar::rpc::ClientTls tls_;
  std::map<std::string, std::string> env_;
  testkit::ServiceProcess inventory_;
  testkit::ServiceProcess order_;
  testkit::ServiceProcess dispatch_;
  pasar::town::Api api_;
  TempFile town_file_{kTownJson};
  std::map<std::string, std::string> ids_;
};

}  // namespace

TEST_CASE("pasarctl seeds a town and cancels a customer's order as an operator", "[e2e]") {
  Stack s;
  REQUIRE(s.id("pasar-baru").size() == 36);
  REQUIRE(s.id("pb-sayur-bu-sri").size() == 36);
  REQUIRE(s.id("andi").size() == 36);
  // Seeding again with the same tag finds the same objects.
  const CtlRun again = s.Ctl({"seed", "--town", s.town_path(), "--tag", kTag});
  REQUIRE(again.exit_code == 0);
  REQUIRE(SlugIds(again.out) == s.ids());

  const ord::Order placed = s.PlaceOrder("customer-siti");
  REQUIRE(placed.status() == ord::ORDER_STATUS_PLACED);

  const std::string key = "ctl-cancel-" + RandomHex(8);
  const CtlRun cancel = s.Ctl({"orders", "cancel", placed.id(), "--reason",
                               "customer phoned: wrong address", "--request-id", key});
  INFO(cancel.err);
  REQUIRE(cancel.exit_code == 0);
  const auto cancelled = Parse<ord::Order>(cancel.out);
  REQUIRE(cancelled.id() == placed.id());
  REQUIRE(cancelled.status() == ord::ORDER_STATUS_CANCELLED);
  REQUIRE(cancelled.cancel_reason() == ord::CANCEL_REASON_OPERATOR);
  REQUIRE(cancelled.cancel_note() == "customer phoned: wrong address");

  // The operator's view through pasarctl and the customer's through the API agree.
  const CtlRun get = s.Ctl({"orders", "get", placed.id()});
  REQUIRE(get.exit_code == 0);
  const auto got = Parse<ord::Order>(get.out);
  REQUIRE(got.status() == ord::ORDER_STATUS_CANCELLED);
  REQUIRE(got.cancel_reason() == ord::CANCEL_REASON_OPERATOR);
  const ord::Order seen = s.GetOrder("customer-siti", placed.id());
  REQUIRE(seen.status() == ord::ORDER_STATUS_CANCELLED);
  REQUIRE(seen.cancel_reason() == ord::CANCEL_REASON_OPERATOR);
  REQUIRE(seen.version() == cancelled.version());

  // The same --request-id again answers the first answer and changes nothing.
  const CtlRun replay = s.Ctl({"orders", "cancel", placed.id(), "--reason",
                               "customer phoned: wrong address", "--request-id", key});
  REQUIRE(replay.exit_code == 0);
  REQUIRE(replay.out == cancel.out);
  REQUIRE(s.GetOrder("customer-siti", placed.id()).version() == cancelled.version());

  // The list shows it cancelled by an operator.
  const CtlRun list = s.Ctl({"orders", "list", "--market", s.id("pasar-baru")});
  REQUIRE(list.exit_code == 0);
  REQUIRE(list.out.find(placed.id()) != std::string::npos);
  REQUIRE(list.out.find("CANCELLED/OPERATOR") != std::string::npos);

  // An unknown order: exit 1 and the error names it; no order id at all: a usage error (2).
  const std::string unknown = RandomUuid();
  const CtlRun missing = s.Ctl({"orders", "cancel", unknown});
  REQUIRE(missing.exit_code == 1);
  REQUIRE(missing.out.empty());
  REQUIRE(missing.err.find(unknown) != std::string::npos);
  REQUIRE(missing.err.find("NOT_FOUND") != std::string::npos);
  const CtlRun usage = s.Ctl({"orders", "cancel"});
  REQUIRE(usage.exit_code == 2);
  REQUIRE(usage.err.find("orders cancel ORDER_ID") != std::string::npos);
}

TEST_CASE("pasarctl takes a courier off an assigned job, which is matched again", "[e2e]") {
  Stack s;

  // An unknown job fails cleanly, naming the job.
  const std::string unknown = RandomUuid();
  const CtlRun missing = s.Ctl({"jobs", "unassign", unknown, "--note", "test"});
  REQUIRE(missing.exit_code == 1);
  REQUIRE(missing.out.empty());
  REQUIRE(missing.err.find(unknown) != std::string::npos);
  REQUIRE(missing.err.find("NOT_FOUND") != std::string::npos);

  // Andi, on shift, takes Budi's order (accepted by Bu Sri).
  const ord::Order placed = s.AssignedToAndi("customer-budi");
  auto current = [&] { return s.Andi(); };

  const std::string key = "ctl-unassign-" + RandomHex(8);
  const CtlRun unassign = s.Ctl(
      {"jobs", "unassign", placed.id(), "--note", "motorbike broke down", "--request-id", key});
  INFO(unassign.err);
  REQUIRE(unassign.exit_code == 0);
  const auto job = Parse<dsp::Job>(unassign.out);
  REQUIRE(job.id() == placed.id());
  REQUIRE(job.status() == dsp::JOB_STATUS_PENDING);
  REQUIRE(job.courier_id().empty());
  // Andi is free again, without the job and without an offer of it (he is excluded).
  const auto after = current();
  REQUIRE(after.courier().state() == dsp::COURIER_STATE_IDLE);
  REQUIRE_FALSE(after.has_job());
  REQUIRE_FALSE(after.has_offer());

  // Replayed with the same --request-id: the first answer again.
  const CtlRun replay = s.Ctl(
      {"jobs", "unassign", placed.id(), "--note", "motorbike broke down", "--request-id", key});
  REQUIRE(replay.exit_code == 0);
  REQUIRE(replay.out == unassign.out);

  const CtlRun get = s.Ctl({"jobs", "get", placed.id()});
  REQUIRE(get.exit_code == 0);
  REQUIRE(Parse<dsp::Job>(get.out).status() == dsp::JOB_STATUS_PENDING);

  // A new request on a job without a courier is refused, and pasarctl says why.
  const CtlRun refused = s.Ctl({"jobs", "unassign", placed.id()});
  REQUIRE(refused.exit_code == 1);
  REQUIRE(refused.err.find("FAILED_PRECONDITION (INVALID_TRANSITION)") != std::string::npos);
  const CtlRun usage = s.Ctl({"jobs", "unassign"});
  REQUIRE(usage.exit_code == 2);

  // The office's CSV of Andi's shift: one record under the header; he paid no trader and
  // collected nothing, so the 300,000 he declared at the start is what he should end with.
  const CtlRun csv = s.Ctl({"couriers", "statement", s.id("andi"), "--csv"});
  INFO(csv.err);
  REQUIRE(csv.exit_code == 0);
  const auto split = [](const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::istringstream in(text);
    for (std::string part; std::getline(in, part, sep);)
      parts.push_back(part);
    return parts;
  };
  const std::vector<std::string> lines = split(csv.out, '\n');
  REQUIRE(lines.size() == 2);
  const std::vector<std::string> header = split(lines[0], ',');
  const std::vector<std::string> record = split(lines[1], ',');  // "Andi" has no comma
  REQUIRE(header.size() == record.size());
  std::map<std::string, std::string> field;
  for (std::size_t i = 0; i < header.size(); ++i)
    field[header[i]] = record[i];
  CHECK(field["courier_id"] == s.id("andi"));
  CHECK(field["cash_at_start_idr"] == "300000");
  CHECK(field["paid_to_traders_idr"] == "0");
  CHECK(field["expected_cash_end_idr"] == "300000");
  CHECK(field["deliveries"] == "0");
  // Another courier's id that does not exist: NOT_FOUND, nothing on stdout.
  const CtlRun nobody = s.Ctl({"couriers", "statement", unknown, "--csv"});
  REQUIRE(nobody.exit_code == 1);
  REQUIRE(nobody.out.empty());
  REQUIRE(nobody.err.find("NOT_FOUND") != std::string::npos);
}

TEST_CASE("pasarctl settles a stuck delivery: failed without the wait, goods to the office",
          "[e2e]") {
  Stack s;
  pasar::town::Api& api = s.api();
  const ord::Order placed = s.AssignedToAndi("customer-sari");

  // Not yet picked up: nothing to resolve, and pasarctl says why.
  const CtlRun early = s.Ctl({"jobs", "resolve", placed.id(), "--action", "declare-failed",
                              "--reason", "customer unreachable"});
  REQUIRE(early.exit_code == 1);
  REQUIRE(early.err.find("FAILED_PRECONDITION (INVALID_TRANSITION)") != std::string::npos);

  // Andi pays Bu Sri and picks the goods up: DELIVERING.
  ord::GetTicketRequest get_ticket;
  get_ticket.set_ticket_id(placed.tickets(0).id());
  ord::GetTicketResponse ticket;
  Check(
      Call(s.Trader(),
           [&](grpc::ClientContext* c) { return api.tickets().GetTicket(c, get_ticket, &ticket); }),
      "GetTicket");
  dsp::ConfirmPickupRequest pickup;
  pickup.set_request_id("pickup-" + RandomHex(8));
  pickup.set_job_id(placed.id());
  pickup.set_ticket_id(placed.tickets(0).id());
  pickup.set_pickup_code(ticket.ticket().pickup_code());
  pickup.set_paid_to_trader_idr(placed.goods_total_idr());
  dsp::ConfirmPickupResponse picked;
  Check(Call(s.AndiToken(),
             [&](grpc::ClientContext* c) {
               return api.couriers().ConfirmPickup(c, pickup, &picked);
             }),
        "ConfirmPickup");
  REQUIRE(picked.job().status() == dsp::JOB_STATUS_DELIVERING);

  // Bad input: no action or an unknown one is a usage error (2); no reason is refused by
  // dispatch, naming the field, and nothing changes.
  const CtlRun no_action = s.Ctl({"jobs", "resolve", placed.id(), "--reason", "x"});
  REQUIRE(no_action.exit_code == 2);
  REQUIRE(no_action.err.find("jobs resolve JOB_ID --action") != std::string::npos);
  const CtlRun bad_action =
      s.Ctl({"jobs", "resolve", placed.id(), "--action", "teleport", "--reason", "x"});
  REQUIRE(bad_action.exit_code == 2);
  REQUIRE(bad_action.err.find("teleport") != std::string::npos);
  const CtlRun no_reason = s.Ctl({"jobs", "resolve", placed.id(), "--action", "declare-failed"});
  REQUIRE(no_reason.exit_code == 1);
  REQUIRE(no_reason.err.find("INVALID_ARGUMENT") != std::string::npos);
  REQUIRE(no_reason.err.find("reason") != std::string::npos);
  REQUIRE(Parse<dsp::Job>(s.Ctl({"jobs", "get", placed.id()}).out).status() ==
          dsp::JOB_STATUS_DELIVERING);

  // The office declares it failed without the waiting rule (the customer phoned to refuse):
  // RETURNING; the same --request-id again answers the same.
  const std::string key = "ctl-resolve-" + RandomHex(8);
  const std::vector<std::string> declare = {"jobs",
                                            "resolve",
                                            placed.id(),
                                            "--action",
                                            "declare-failed",
                                            "--reason",
                                            "customer phoned: refuses the order",
                                            "--request-id",
                                            key};
  const CtlRun failed = s.Ctl(declare);
  INFO(failed.err);
  REQUIRE(failed.exit_code == 0);
  REQUIRE(Parse<dsp::Job>(failed.out).status() == dsp::JOB_STATUS_RETURNING);
  const CtlRun replay = s.Ctl(declare);
  REQUIRE(replay.exit_code == 0);
  REQUIRE(replay.out == failed.out);
  REQUIRE(Eventually([&] {
    return s.GetOrder("customer-sari", placed.id()).status() == ord::ORDER_STATUS_DELIVERY_FAILED;
  }));

  // Andi hands the goods to the market office: RETURNED, the ticket AT_MARKET_OFFICE.
  const CtlRun office = s.Ctl({"jobs", "resolve", placed.id(), "--action", "receive-at-office",
                               "--reason", "stall closed; goods kept at the office"});
  INFO(office.err);
  REQUIRE(office.exit_code == 0);
  REQUIRE(Parse<dsp::Job>(office.out).status() == dsp::JOB_STATUS_RETURNED);
  REQUIRE(Eventually([&] {
    const ord::Order o = s.GetOrder("customer-sari", placed.id());
    return o.status() == ord::ORDER_STATUS_RETURNED &&
           o.tickets(0).status() == ord::TICKET_STATUS_AT_MARKET_OFFICE;
  }));
  REQUIRE(s.Andi().courier().state() == dsp::COURIER_STATE_IDLE);
}

TEST_CASE("pasarctl speaks TLS to services that serve it, trusting only the root it is given",
          "[e2e]") {
  const testkit::TestPki pki(kServerName);
  // Seeded by pasarctl over TLS (PASAR_TLS_CA_FILE, PASAR_TLS_SERVER_NAME): inventory and
  // dispatch answered it.
  Stack s(&pki);
  REQUIRE(s.id("pasar-baru").size() == 36);
  REQUIRE(s.id("andi").size() == 36);
  // Placed over TLS, and reserved by the order service in inventory over TLS.
  const ord::Order placed = s.PlaceOrder("customer-tari");
  REQUIRE(placed.status() == ord::ORDER_STATUS_PLACED);

  const CtlRun list = s.Ctl({"orders", "list", "--market", s.id("pasar-baru")});
  INFO(list.err);
  REQUIRE(list.exit_code == 0);
  REQUIRE(list.out.find(placed.id()) != std::string::npos);
  REQUIRE(list.out.find("PLACED") != std::string::npos);

  // The root and the name given as options instead of the environment.
  const std::map<std::string, std::string> no_tls_env{{"PASAR_TLS_CA_FILE", ""},
                                                      {"PASAR_TLS_SERVER_NAME", ""}};
  const CtlRun get = s.Ctl({"orders", "get", placed.id(), "--tls-ca-file", pki.ca_file(),
                            "--tls-server-name", kServerName},
                           no_tls_env);
  INFO(get.err);
  REQUIRE(get.exit_code == 0);
  REQUIRE(Parse<ord::Order>(get.out).id() == placed.id());

  // In plaintext, a TLS service does not answer (retried for a second, not the default minute).
  const CtlRun plain = s.Ctl({"orders", "get", placed.id(), "--retry-seconds", "1"}, no_tls_env);
  INFO(plain.err);
  REQUIRE(plain.exit_code == 1);
  REQUIRE(plain.out.empty());
  REQUIRE(plain.err.find("UNAVAILABLE") != std::string::npos);

  // Trusting another authority's root (for the same name), the handshake fails.
  const testkit::TestPki other(kServerName);
  const CtlRun foreign =
      s.Ctl({"orders", "get", placed.id(), "--retry-seconds", "1"},
            {{"PASAR_TLS_CA_FILE", other.ca_file()}, {"PASAR_TLS_SERVER_NAME", kServerName}});
  INFO(foreign.err);
  REQUIRE(foreign.exit_code == 1);
  REQUIRE(foreign.out.empty());
  REQUIRE(foreign.err.find("UNAVAILABLE") != std::string::npos);

  // A root file that cannot be read is named.
  const std::string missing = pki.dir() + "/no-such-root.pem";
  const CtlRun unreadable = s.Ctl({"orders", "get", placed.id(), "--tls-ca-file", missing});
  REQUIRE(unreadable.exit_code == 1);
  REQUIRE(unreadable.err.find(missing) != std::string::npos);
}

TEST_CASE("pasarctl makes keys, their JWK Set, and tokens signed with a key file", "[e2e]") {
  const testkit::TestKeyFiles dir;
  // Neither the caller's key nor a development secret: only what each command is given.
  const std::map<std::string, std::string> bare{
      {"PASAR_JWT_SECRET", ""}, {"PASAR_JWT_PRIVATE_KEY_FILE", ""}, {"PASAR_JWT_KEY_ID", ""}};
  std::vector<std::string> pems;
  for (const char* alg : {"ES256", "EdDSA", "RS256"}) {
    const std::string pem = dir.dir() + "/" + alg + ".pem";
    const CtlRun made = RunPasarctl({"keygen", "--alg", alg, "--out", pem}, bare);
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    REQUIRE(made.out.empty());  // the key goes to the file only
    struct stat st {};
    REQUIRE(::stat(pem.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(pasar::auth::SigningKey::FromFile(pem).alg() == alg);
    // An existing key is never overwritten.
    CHECK(RunPasarctl({"keygen", "--alg", alg, "--out", pem}, bare).exit_code == 1);
    pems.push_back(pem);
  }
  CHECK(RunPasarctl({"keygen", "--alg", "HS256"}, bare).exit_code == 2);
  const CtlRun printed = RunPasarctl({"keygen"}, bare);
  REQUIRE(printed.exit_code == 0);
  CHECK(pasar::auth::SigningKey::FromPem(printed.out).alg() == "ES256");

  // The JWK Set of the public halves.
  std::vector<std::string> jwks_args{"jwks"};
  jwks_args.insert(jwks_args.end(), pems.begin(), pems.end());
  const CtlRun jwks = RunPasarctl(jwks_args, bare);
  INFO(jwks.err);
  REQUIRE(jwks.exit_code == 0);
  const nlohmann::json set = nlohmann::json::parse(jwks.out);
  REQUIRE(set["keys"].size() == 3);
  for (const auto& key : set["keys"]) {
    CHECK_FALSE(key.contains("d"));
    CHECK(key["use"] == "sig");
  }
  CHECK(set["keys"][0]["kid"] == pasar::auth::SigningKey::FromFile(pems[0]).kid());
  const TempFile jwks_file(jwks.out);
  pasar::auth::JwtConfig verifying;
  verifying.jwks_file = jwks_file.path();
  const pasar::auth::Verifier verifier(verifying);

  // Tokens signed with each key file (--key-file, or PASAR_JWT_PRIVATE_KEY_FILE) verify.
  for (const std::string& pem : pems) {
    INFO(pem);
    const CtlRun token = RunPasarctl({"token", "--role", "trader", "--subject", "trader-sri",
                                      "--stalls", "s1,s2", "--key-file", pem},
                                     bare);
    INFO(token.err);
    REQUIRE(token.exit_code == 0);
    const auto principal = verifier.Verify(token.out.substr(0, token.out.find('\n')));
    INFO(principal.status().ToString());
    REQUIRE(principal.ok());
    CHECK(principal->subject == "trader-sri");
    CHECK(principal->role == Role::kTrader);
    CHECK(principal->stalls == std::vector<std::string>{"s1", "s2"});
  }
  std::map<std::string, std::string> with_key = bare;
  with_key["PASAR_JWT_PRIVATE_KEY_FILE"] = pems[1];
  const CtlRun from_env =
      RunPasarctl({"token", "--role", "courier", "--subject", "andi"}, with_key);
  REQUIRE(from_env.exit_code == 0);
  CHECK(verifier.Verify(from_env.out.substr(0, from_env.out.find('\n'))).ok());
  // Longer than the services accept: minted as asked, refused by a verifier.
  const CtlRun long_lived = RunPasarctl(
      {"token", "--role", "operator", "--subject", "op", "--ttl-hours", "48"}, with_key);
  REQUIRE(long_lived.exit_code == 0);
  CHECK_FALSE(verifier.Verify(long_lived.out.substr(0, long_lived.out.find('\n'))).ok());
  // A key signs role service too, but no verifier opens it with a people's key set.
  const CtlRun service =
      RunPasarctl({"token", "--role", "service", "--subject", "order"}, with_key);
  REQUIRE(service.exit_code == 0);
  CHECK_FALSE(verifier.Verify(service.out.substr(0, service.out.find('\n'))).ok());

  // Without a key or a development secret nothing is minted, and the error says what to set.
  const CtlRun nothing = RunPasarctl({"token", "--role", "customer", "--subject", "c"}, bare);
  CHECK(nothing.exit_code == 2);
  CHECK(nothing.err.find("PASAR_JWT_PRIVATE_KEY_FILE") != std::string::npos);
}
