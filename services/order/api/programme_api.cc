#include "api/programme_api.h"

#include <algorithm>

#include "api/page_tokens.h"
#include "pasar/ids/ids.h"
#include "pasar/request/fields.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Principal;

constexpr int kMaxResidents = 10'000;
constexpr size_t kMaxTextChars = 200;

absl::Time TimeOf(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// A timestamp inside protobuf's range (years 1..9999, nanos in [0, 1e9)), or the field named.
absl::Status CheckTime(std::string_view field, const google::protobuf::Timestamp& ts) {
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 || ts.nanos() < 0 ||
      ts.nanos() >= 1'000'000'000) {
    return request::Invalid(field, "not a valid timestamp (years 1..9999)");
  }
  return absl::OkStatus();
}

absl::Status CheckResidentNumber(std::string_view field, const std::string& n) {
  if (n.size() < 6 || n.size() > 32 ||
      !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return request::Invalid(field, "must be 6..32 digits");
  }
  return absl::OkStatus();
}

// The terms of a new programme, or the first bad field.
absl::Status TermsOf(const v1::Programme& p, d::ProgrammeTerms* t) {
  if (p.name().empty()) return request::Invalid("programme.name", "required");
  if (auto s = request::CheckOptionalText("programme.name", p.name(), kMaxTextChars); !s.ok()) {
    return s;
  }
  if (p.market_ids_size() > 100) {
    return request::Invalid("programme.market_ids", "at most 100 markets");
  }
  t->name = p.name();
  for (int i = 0; i < p.market_ids_size(); ++i) {
    const std::string field = "programme.market_ids[" + std::to_string(i) + "]";
    if (auto s = request::CheckUuid(field, p.market_ids(i)); !s.ok()) return s;
    const std::string id = *ids::CanonicalUuid(p.market_ids(i));
    if (std::find(t->market_ids.begin(), t->market_ids.end(), id) != t->market_ids.end()) {
      return request::Invalid(field, "market appears twice");
    }
    t->market_ids.push_back(id);
  }
  if (!p.has_starts_at()) return request::Invalid("programme.starts_at", "required");
  if (!p.has_ends_at()) return request::Invalid("programme.ends_at", "required");
  if (auto s = CheckTime("programme.starts_at", p.starts_at()); !s.ok()) return s;
  if (auto s = CheckTime("programme.ends_at", p.ends_at()); !s.ok()) return s;
  t->starts_at = TimeOf(p.starts_at());
  t->ends_at = TimeOf(p.ends_at());
  t->budget_idr = p.budget_idr();
  t->subsidy_max_per_order_idr = p.delivery_subsidy().max_per_order_idr();
  t->subsidy_min_goods_idr = p.delivery_subsidy().min_goods_total_idr();
  t->subsidy_max_distance_m = p.delivery_subsidy().max_distance_meters();
  t->voucher_per_resident_idr = p.voucher().amount_per_resident_idr();
  t->cap_per_order_idr = p.cap_per_order_idr();
  t->cap_per_resident_idr = p.cap_per_resident_idr();
  t->stall_turnover_cap_idr = p.stall_turnover_cap_idr();
  t->residents_only = p.residents_only();
  t->priority_reserve_idr = p.priority_reserve_idr();
  if (const auto e = d::ValidateTerms(*t)) return request::Invalid(e->field, e->message);
  return absl::OkStatus();
}

}  // namespace

grpc::Status ProgrammeApi::CreateProgramme(grpc::ServerContext* ctx,
                                           const v1::CreateProgrammeRequest* req,
                                           v1::CreateProgrammeResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    d::ProgrammeTerms terms;
    if (auto s = TermsOf(req->programme(), &terms); !s.ok()) return s;
    return programmes_.Create(who, *req, std::move(terms), rpc::EffectiveDeadline(ctx), resp);
  });
}

grpc::Status ProgrammeApi::GetProgramme(grpc::ServerContext* ctx,
                                        const v1::GetProgrammeRequest* req,
                                        v1::GetProgrammeResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (auto s = request::CheckUuid("programme_id", req->programme_id()); !s.ok()) return s;
    return programmes_.Get(req->programme_id(), resp->mutable_programme());
  });
}

grpc::Status ProgrammeApi::ListProgrammes(grpc::ServerContext* ctx,
                                          const v1::ListProgrammesRequest* req,
                                          v1::ListProgrammesResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    const absl::StatusOr<int> limit = request::PageSize(req->page_size());
    if (!limit.ok()) return limit.status();
    const auto after = CursorOf(*req, req->page_token());
    if (!after.ok()) return after.status();
    std::vector<v1::Programme> page;
    std::optional<store::Cursor> last;
    if (auto s = programmes_.List(*after, *limit, &page, &last); !s.ok()) return s;
    for (v1::Programme& p : page)
      *resp->add_programmes() = std::move(p);
    if (last) resp->set_next_page_token(TokenOf(*req, *last));
    return absl::OkStatus();
  });
}

grpc::Status ProgrammeApi::SetProgrammeState(grpc::ServerContext* ctx,
                                             const v1::SetProgrammeStateRequest* req,
                                             v1::SetProgrammeStateResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (auto s = request::CheckUuid("programme_id", req->programme_id()); !s.ok()) return s;
    d::ProgrammeState state;
    switch (req->state()) {
      case v1::PROGRAMME_STATE_ACTIVE:
        state = d::ProgrammeState::kActive;
        break;
      case v1::PROGRAMME_STATE_PAUSED:
        state = d::ProgrammeState::kPaused;
        break;
      case v1::PROGRAMME_STATE_CLOSED:
        state = d::ProgrammeState::kClosed;
        break;
      default:
        return request::Invalid("state", "must be ACTIVE, PAUSED or CLOSED");
    }
    return programmes_.SetState(who, *req, state, resp);
  });
}

grpc::Status ProgrammeApi::TopUpProgramme(grpc::ServerContext* ctx,
                                          const v1::TopUpProgrammeRequest* req,
                                          v1::TopUpProgrammeResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (auto s = request::FirstError(
            {request::CheckUuid("programme_id", req->programme_id()),
             request::CheckRange("amount_idr", req->amount_idr(), 1, d::kMaxProgrammeIdr),
             request::CheckOptionalText("note", req->note(), kMaxTextChars)});
        !s.ok()) {
      return s;
    }
    return programmes_.TopUp(who, *req, resp);
  });
}

grpc::Status ProgrammeApi::ImportResidents(grpc::ServerContext* ctx,
                                           const v1::ImportResidentsRequest* req,
                                           v1::ImportResidentsResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (auto s = request::CheckUuid("programme_id", req->programme_id()); !s.ok()) return s;
    if (req->resident_numbers().empty() || req->resident_numbers_size() > kMaxResidents) {
      return request::Invalid("resident_numbers", "1..10000 numbers");
    }
    for (int i = 0; i < req->resident_numbers_size(); ++i) {
      if (auto s = CheckResidentNumber("resident_numbers[" + std::to_string(i) + "]",
                                       req->resident_numbers(i));
          !s.ok()) {
        return s;
      }
    }
    return programmes_.Import(who, *req, resp);
  });
}

grpc::Status ProgrammeApi::LinkResident(grpc::ServerContext* ctx,
                                        const v1::LinkResidentRequest* req,
                                        v1::LinkResidentResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (auto s = CheckResidentNumber("resident_number", req->resident_number()); !s.ok()) {
      return s;
    }
    return programmes_.Link(who, *req, resp);
  });
}

grpc::Status ProgrammeApi::GetProgrammeStatement(grpc::ServerContext* ctx,
                                                 const v1::GetProgrammeStatementRequest* req,
                                                 v1::GetProgrammeStatementResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (auto s = request::FirstError(
            {request::CheckUuid("programme_id", req->programme_id()),
             request::CheckOptionalText("payee_id", req->payee_id(), kMaxTextChars)});
        !s.ok()) {
      return s;
    }
    if (req->has_from()) {
      if (auto s = CheckTime("from", req->from()); !s.ok()) return s;
    }
    if (req->has_to()) {
      if (auto s = CheckTime("to", req->to()); !s.ok()) return s;
    }
    const absl::Time from = req->has_from() ? TimeOf(req->from()) : absl::UnixEpoch();
    const absl::Time to = req->has_to() ? TimeOf(req->to()) : absl::Now() + absl::Hours(1);
    if (to < from) return request::Invalid("to", "must not be before from");
    return programmes_.Statement(*req, from, to, resp);
  });
}

}  // namespace pasar::order
