#include "api/ticket_api.h"

#include <algorithm>
#include <map>

#include "api/page_tokens.h"
#include "app/convert.h"
#include "pasar/ids/ids.h"
#include "pasar/request/fields.h"
#include "pasar/request/status.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Principal;

constexpr int kMaxWatchedStalls = 50;
constexpr int kMaxStatusFilters = 7;
constexpr int kMaxDecisions = 100;
constexpr size_t kMaxNoteChars = 200;
// Tickets changed this long before the previous read are read again (late commits, clock skew).
constexpr absl::Duration kWatchOverlap = absl::Seconds(60);

// The token's stalls that can name a ticket's stall (UUIDs only).
std::vector<std::string> TokenStalls(const Principal& who) {
  std::vector<std::string> out;
  for (const std::string& s : who.stalls) {
    if (ids::IsUuid(s)) out.push_back(s);
  }
  return out;
}

absl::Status CheckReason(std::string_view field, v1::RejectReason reason) {
  if (reason == v1::REJECT_REASON_UNSPECIFIED || !v1::RejectReason_IsValid(reason)) {
    return request::Invalid(field, "required");
  }
  return absl::OkStatus();
}

// One line's decision of an AcceptTicket request, checked.
absl::StatusOr<d::LineDecision> DecisionOf(const v1::LineDecision& l, const std::string& path) {
  if (absl::Status s = request::CheckUuid(path + ".product_id", l.product_id()); !s.ok()) return s;
  d::LineDecision decision;
  decision.product_id = l.product_id();
  switch (l.decision_case()) {
    case v1::LineDecision::kAccepted:
      if (l.accepted().final_quantity() < 0) {
        return request::Invalid(path + ".accepted.final_quantity", "must be >= 0");
      }
      decision.quantity = l.accepted().final_quantity();
      if (l.accepted().has_line_total_idr()) {
        if (l.accepted().line_total_idr() <= 0) {
          return request::Invalid(path + ".accepted.line_total_idr", "must be > 0");
        }
        decision.line_total_idr = l.accepted().line_total_idr();
      }
      return decision;
    case v1::LineDecision::kRejected:
      if (absl::Status s =
              request::FirstError({CheckReason(path + ".rejected.reason", l.rejected().reason()),
                                   request::CheckLength(path + ".rejected.note",
                                                        l.rejected().note(), 0, kMaxNoteChars)});
          !s.ok()) {
        return s;
      }
      decision.rejected = true;
      decision.reject_reason = l.rejected().reason();
      return decision;
    default:
      return request::Invalid(path + ".decision", "accepted or rejected is required");
  }
}

}  // namespace

grpc::Status TicketApi::ListTickets(grpc::ServerContext* ctx, const v1::ListTicketsRequest* req,
                                    v1::ListTicketsResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    Tickets::ListQuery query;
    if (!req->stall_id().empty()) {
      if (absl::Status s = request::CheckUuid("stall_id", req->stall_id()); !s.ok()) return s;
      if (!who.HasStall(req->stall_id())) return request::NotFound("stall");
      query.stalls.push_back(req->stall_id());
    } else {
      query.stalls = TokenStalls(who);
    }
    if (req->statuses_size() > kMaxStatusFilters) {
      return request::Invalid("statuses", "at most 7");
    }
    for (int i = 0; i < req->statuses_size(); ++i) {
      const auto s = FromProto(static_cast<v1::TicketStatus>(req->statuses(i)));
      if (!s) return request::Invalid("statuses[" + std::to_string(i) + "]", "unknown status");
      query.statuses.emplace_back(d::Name(*s));
    }
    absl::StatusOr<int> limit = request::PageSize(req->page_size());
    if (!limit.ok()) return limit.status();
    query.limit = *limit;
    absl::StatusOr<std::optional<store::Cursor>> after = CursorOf(*req, req->page_token());
    if (!after.ok()) return after.status();
    query.after = *after;
    std::optional<store::Cursor> next;
    if (absl::Status s = tickets_.List(who, query, resp, &next); !s.ok()) return s;
    if (next) resp->set_next_page_token(TokenOf(*req, *next));
    return absl::OkStatus();
  });
}

grpc::Status TicketApi::GetTicket(grpc::ServerContext* ctx, const v1::GetTicketRequest* req,
                                  v1::GetTicketResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    return tickets_.Get(who, req->ticket_id(), resp);
  });
}

grpc::Status TicketApi::WatchTickets(grpc::ServerContext* ctx, const v1::WatchTicketsRequest* req,
                                     grpc::ServerWriter<v1::WatchTicketsResponse>* writer) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (req->stall_ids_size() > kMaxWatchedStalls) {
      return request::Invalid("stall_ids", "at most 50");
    }
    std::vector<std::string> stalls;
    for (int i = 0; i < req->stall_ids_size(); ++i) {
      const std::string& id = req->stall_ids(i);
      if (absl::Status s = request::CheckUuid("stall_ids[" + std::to_string(i) + "]", id);
          !s.ok()) {
        return s;
      }
      if (!who.HasStall(id)) return request::NotFound("stall");
      stalls.push_back(id);
    }
    if (stalls.empty()) stalls = TokenStalls(who);
    if (stalls.empty()) return absl::OkStatus();
    rpc::StreamSlot slot(ctx, who.subject);
    if (!slot.ok()) return slot.refusal();
    return StreamTickets(ctx, who, stalls, writer);
  });
}

absl::Status TicketApi::StreamTickets(grpc::ServerContext* ctx, const Principal& who,
                                      const std::vector<std::string>& stalls,
                                      grpc::ServerWriter<v1::WatchTicketsResponse>* writer) {
  events::LiveHub::Watch watch(live_, "");  // every order hint: new tickets have no known order
  std::map<std::string, int64_t> sent;      // ticket id -> version sent (or seen at start)
  // Sends the tickets whose version is newer than what this stream has sent.
  auto send_changes = [&](absl::Time since, bool initial) -> bool {
    std::map<std::string, int64_t> seen;
    for (const store::TicketVersion& row : tickets_.ToWatch(stalls, since)) {
      seen[row.ticket_id] = row.version;
      const auto it = sent.find(row.ticket_id);
      if (it != sent.end() && it->second >= row.version) continue;
      const std::optional<Tickets::Watched> t = tickets_.Read(who, row);
      if (!t) continue;
      seen[row.ticket_id] = t->version;
      sent[row.ticket_id] = t->version;
      // The initial snapshot holds open tickets only; closed ones are just remembered.
      if (initial && !t->open) continue;
      v1::WatchTicketsResponse msg;
      *msg.mutable_ticket() = t->ticket;
      *msg.mutable_order() = t->order;
      msg.set_initial(initial);
      if (!writer->Write(msg)) return false;
    }
    // Forget tickets that left the window (final and not changed lately).
    for (auto it = sent.begin(); it != sent.end();) {
      it = seen.contains(it->first) ? std::next(it) : sent.erase(it);
    }
    return true;
  };

  absl::Time last_read = absl::Now();
  if (!send_changes(last_read - kWatchOverlap, true)) return absl::OkStatus();
  while (!ctx->IsCancelled()) {
    if (rpc::ShuttingDown()) return absl::UnavailableError("server shutting down; reconnect");
    const bool hinted = watch.Wait(std::min(settings_.watch_backstop, absl::Seconds(1)));
    if (!hinted && absl::Now() - last_read < settings_.watch_backstop) continue;
    const absl::Time since = last_read - kWatchOverlap;
    last_read = absl::Now();
    if (!send_changes(since, false)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

grpc::Status TicketApi::AcceptTicket(grpc::ServerContext* ctx, const v1::AcceptTicketRequest* req,
                                     v1::AcceptTicketResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    if (req->lines_size() > kMaxDecisions) return request::Invalid("lines", "at most 100");
    std::vector<d::LineDecision> decisions;
    for (int i = 0; i < req->lines_size(); ++i) {
      absl::StatusOr<d::LineDecision> decision =
          DecisionOf(req->lines(i), "lines[" + std::to_string(i) + "]");
      if (!decision.ok()) return decision.status();
      decisions.push_back(std::move(*decision));
    }
    return tickets_.Accept(who, *req, decisions, resp);
  });
}

grpc::Status TicketApi::RejectTicket(grpc::ServerContext* ctx, const v1::RejectTicketRequest* req,
                                     v1::RejectTicketResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckUuid("ticket_id", req->ticket_id()),
                                 CheckReason("reason", req->reason()),
                                 request::CheckLength("note", req->note(), 0, kMaxNoteChars)});
        !s.ok()) {
      return s;
    }
    return tickets_.Reject(who, *req, resp);
  });
}

grpc::Status TicketApi::MarkTicketReady(grpc::ServerContext* ctx,
                                        const v1::MarkTicketReadyRequest* req,
                                        v1::MarkTicketReadyResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    return tickets_.MarkReady(who, *req, resp);
  });
}

}  // namespace pasar::order
