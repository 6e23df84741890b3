#include "api/ticket_api.h"

#include <algorithm>
#include <map>

#include "api/changes.h"
#include "api/common.h"
#include "api/convert.h"
#include "api/ids.h"
#include "pasar/rpc/server.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Role;

constexpr int kMaxWatchedStalls = 50;
constexpr int kMaxStatusFilters = 7;
constexpr int kMaxDecisions = 100;
// Tickets changed this long before the previous read are read again (late commits, clock skew).
constexpr absl::Duration kWatchOverlap = absl::Seconds(60);

// The token's stalls that can name a ticket's stall (UUIDs only).
std::vector<std::string> TokenStalls(const auth::Principal& who) {
  std::vector<std::string> out;
  for (const std::string& s : who.stalls) {
    if (IsUuid(s)) out.push_back(s);
  }
  return out;
}

bool IsOpen(d::TicketState s) {
  return s == d::TicketState::kPending || s == d::TicketState::kAccepted ||
         s == d::TicketState::kReady;
}

grpc::Status ToleranceExceeded(grpc::ServerContext* ctx, int index) {
  return rpc::Refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION, "WEIGHT_TOLERANCE_EXCEEDED",
                     "lines[" + std::to_string(index) +
                         "].accepted.line_total_idr: beyond the market's weighed tolerance");
}

grpc::Status BadDecision(const d::Outcome& out) {
  const std::string path = "lines[" + std::to_string(out.decision_index) + "]";
  switch (out.decision_error) {
    case d::DecisionError::kUnknownLine:
      return rpc::InvalidArgument(path + ".product_id", "not a line of this ticket");
    case d::DecisionError::kDuplicateLine:
      return rpc::InvalidArgument(path + ".product_id", "decided twice");
    case d::DecisionError::kBadQuantity:
      return rpc::InvalidArgument(path + ".accepted",
                                  "final_quantity must be 0..ordered_quantity and "
                                  "line_total_idr > 0");
    case d::DecisionError::kPriceOnCountedLine:
      return rpc::InvalidArgument(path + ".accepted.line_total_idr",
                                  "only weighed lines take a line total");
    case d::DecisionError::kNoneAccepted:
      return rpc::InvalidArgument("lines", "every line rejected: use RejectTicket");
    default:
      return rpc::InvalidArgument("lines", "invalid decision");
  }
}

// The common shape of a trader's mutation of one ticket: locate the ticket, lock its order,
// check the stall is the caller's (else NOT_FOUND), replay a stored response, apply `op`,
// persist and publish, store the response — one transaction.
template <class Resp, class Op>
grpc::Status MutateTicket(pg::Pool& pool, grpc::ServerContext* ctx, const auth::Principal& who,
                          std::string_view rpc_name, const std::string& request_id,
                          const std::string& hash, const std::string& ticket_id, Resp* resp,
                          Op&& op) {
  return pg::WithTransaction(pool, rpc_name, [&](pg::Transaction& tx) -> grpc::Status {
    const auto ref = store::FindTicket(tx, ticket_id);
    if (!ref || !who.HasStall(ref->stall_id)) return rpc::NotFound("ticket");
    auto order = store::LoadOrder(tx, ref->order_id, true);
    if (!order) return rpc::NotFound("ticket");
    if (auto s = Replay(tx, ctx, who.subject, rpc_name, request_id, hash, resp)) return *s;
    d::Ticket* ticket = order->FindTicket(ticket_id);
    if (ticket == nullptr) return rpc::NotFound("ticket");
    const int index = static_cast<int>(ticket - order->tickets.data());
    const absl::Time now = absl::Now();
    const d::OrderState previous = order->status;
    const d::Outcome out = op(*order, index, now);
    switch (out.refusal) {
      case d::Refusal::kNone:
        break;
      case d::Refusal::kInvalidTransition:
        return InvalidTransition(ctx, out.message);
      case d::Refusal::kToleranceExceeded:
        return ToleranceExceeded(ctx, out.decision_index);
      case d::Refusal::kBadDecision:
        return BadDecision(out);
    }
    if (out.changed()) RecordChanges(tx, *order, out.changes, {previous, now});
    ToProto(order->tickets[static_cast<size_t>(index)], *order, Viewer::Trader(who.stalls),
            resp->mutable_ticket());
    store::StoreResponse(tx, who.subject, rpc_name, request_id, hash, resp->SerializeAsString());
    tx.Commit();
    return grpc::Status::OK;
  });
}

grpc::Status CheckReason(std::string_view field, v1::RejectReason reason) {
  if (reason == v1::REJECT_REASON_UNSPECIFIED || !v1::RejectReason_IsValid(reason)) {
    return rpc::InvalidArgument(field, "required");
  }
  return grpc::Status::OK;
}

}  // namespace

TicketApi::TicketApi(pg::Pool& pool, const auth::Verifier& verifier, LiveHub& live,
                     const Settings& settings, std::function<bool()> shutting_down)
    : pool_(pool),
      verifier_(verifier),
      live_(live),
      settings_(settings),
      shutting_down_(std::move(shutting_down)) {}

grpc::Status TicketApi::ListTickets(grpc::ServerContext* ctx, const v1::ListTicketsRequest* req,
                                    v1::ListTicketsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    std::vector<std::string> stalls;
    if (!req->stall_id().empty()) {
      if (auto s = CheckUuid("stall_id", req->stall_id()); !s.ok()) return s;
      if (!who->HasStall(req->stall_id())) return rpc::NotFound("stall");
      stalls.push_back(req->stall_id());
    } else {
      stalls = TokenStalls(*who);
    }
    if (req->statuses_size() > kMaxStatusFilters) {
      return rpc::InvalidArgument("statuses", "at most 7");
    }
    std::vector<std::string> statuses;
    for (int i = 0; i < req->statuses_size(); ++i) {
      const auto s = FromProto(static_cast<v1::TicketStatus>(req->statuses(i)));
      if (!s) return rpc::InvalidArgument("statuses[" + std::to_string(i) + "]", "unknown status");
      statuses.emplace_back(d::Name(*s));
    }
    int limit = 0;
    if (auto s = PageSize(req->page_size(), &limit); !s.ok()) return s;
    std::optional<store::Cursor> after;
    if (auto s = DecodePageToken(req->page_token(), &after); !s.ok()) return s;
    if (stalls.empty()) return grpc::Status::OK;

    pg::Transaction tx(pool_, "list_tickets");
    const auto rows = store::ListTicketIds(tx, stalls, statuses, after, limit + 1);
    const Viewer viewer = Viewer::Trader(who->stalls);
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      const auto order = store::LoadOrder(tx, rows[i].first.order_id, false);
      if (!order) continue;
      for (const d::Ticket& t : order->tickets) {
        if (t.id == rows[i].second.id) ToProto(t, *order, viewer, resp->add_tickets());
      }
    }
    if (static_cast<int>(rows.size()) > limit) {
      resp->set_next_page_token(EncodePageToken(rows[static_cast<size_t>(limit) - 1].second));
    }
    return grpc::Status::OK;
  });
}

grpc::Status TicketApi::GetTicket(grpc::ServerContext* ctx, const v1::GetTicketRequest* req,
                                  v1::GetTicketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    pg::Transaction tx(pool_, "get_ticket");
    const auto ref = store::FindTicket(tx, req->ticket_id());
    if (!ref || !who->HasStall(ref->stall_id)) return rpc::NotFound("ticket");
    auto order = store::LoadOrder(tx, ref->order_id, false);
    if (!order) return rpc::NotFound("ticket");
    const d::Ticket* t = order->FindTicket(req->ticket_id());
    if (t == nullptr) return rpc::NotFound("ticket");
    ToProto(*t, *order, Viewer::Trader(who->stalls), resp->mutable_ticket());
    ToSummary(*order, resp->mutable_order());
    return grpc::Status::OK;
  });
}

grpc::Status TicketApi::WatchTickets(grpc::ServerContext* ctx, const v1::WatchTicketsRequest* req,
                                     grpc::ServerWriter<v1::WatchTicketsResponse>* writer) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (req->stall_ids_size() > kMaxWatchedStalls) {
      return rpc::InvalidArgument("stall_ids", "at most 50");
    }
    std::vector<std::string> stalls;
    for (int i = 0; i < req->stall_ids_size(); ++i) {
      const std::string& id = req->stall_ids(i);
      if (auto s = CheckUuid("stall_ids[" + std::to_string(i) + "]", id); !s.ok()) return s;
      if (!who->HasStall(id)) return rpc::NotFound("stall");
      stalls.push_back(id);
    }
    if (stalls.empty()) stalls = TokenStalls(*who);
    if (stalls.empty()) return grpc::Status::OK;
    rpc::StreamSlot slot(ctx, who->subject);
    if (!slot.ok()) return slot.status();
    LiveHub::Watch watch(live_, "");  // every order hint: new tickets have no known order yet
    const Viewer viewer = Viewer::Trader(who->stalls);

    std::map<std::string, int64_t> sent;  // ticket id -> version sent (or seen at start)
    // Sends the tickets whose version is newer than what this stream has sent.
    auto send_changes = [&](absl::Time since, bool initial) -> bool {
      const auto rows = store::TicketsToWatch(pool_, stalls, since);
      std::map<std::string, int64_t> seen;
      for (const store::TicketVersion& row : rows) {
        seen[row.ticket_id] = row.version;
        const auto it = sent.find(row.ticket_id);
        if (it != sent.end() && it->second >= row.version) continue;
        pg::Transaction tx(pool_, "watch_tickets");
        const auto order = store::LoadOrder(tx, row.order_id, false);
        tx.Commit();
        if (!order) continue;
        const d::Ticket* t = nullptr;
        for (const d::Ticket& candidate : order->tickets) {
          if (candidate.id == row.ticket_id) t = &candidate;
        }
        if (t == nullptr) continue;
        seen[t->id] = t->version;
        sent[t->id] = t->version;
        // The initial snapshot holds open tickets only; closed ones are just remembered.
        if (initial && !IsOpen(t->status)) continue;
        v1::WatchTicketsResponse msg;
        ToProto(*t, *order, viewer, msg.mutable_ticket());
        ToSummary(*order, msg.mutable_order());
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
    if (!send_changes(last_read - kWatchOverlap, true)) return grpc::Status::OK;
    while (!ctx->IsCancelled()) {
      if (shutting_down_()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down; reconnect");
      }
      const bool hinted = watch.Wait(std::min(settings_.watch_backstop, absl::Seconds(1)));
      if (!hinted && absl::Now() - last_read < settings_.watch_backstop) continue;
      const absl::Time since = last_read - kWatchOverlap;
      last_read = absl::Now();
      if (!send_changes(since, false)) return grpc::Status::OK;
    }
    return grpc::Status::OK;
  });
}

grpc::Status TicketApi::AcceptTicket(grpc::ServerContext* ctx, const v1::AcceptTicketRequest* req,
                                     v1::AcceptTicketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckRequestId(req->request_id()); !s.ok()) return s;
    if (auto s = CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    if (req->lines_size() > kMaxDecisions) return rpc::InvalidArgument("lines", "at most 100");
    std::vector<d::LineDecision> decisions;
    for (int i = 0; i < req->lines_size(); ++i) {
      const v1::LineDecision& l = req->lines(i);
      const std::string path = "lines[" + std::to_string(i) + "]";
      if (auto s = CheckUuid(path + ".product_id", l.product_id()); !s.ok()) return s;
      d::LineDecision decision;
      decision.product_id = l.product_id();
      switch (l.decision_case()) {
        case v1::LineDecision::kAccepted:
          if (l.accepted().final_quantity() < 0) {
            return rpc::InvalidArgument(path + ".accepted.final_quantity", "must be >= 0");
          }
          decision.quantity = l.accepted().final_quantity();
          if (l.accepted().has_line_total_idr()) {
            if (l.accepted().line_total_idr() <= 0) {
              return rpc::InvalidArgument(path + ".accepted.line_total_idr", "must be > 0");
            }
            decision.line_total_idr = l.accepted().line_total_idr();
          }
          break;
        case v1::LineDecision::kRejected:
          if (auto s = CheckReason(path + ".rejected.reason", l.rejected().reason()); !s.ok()) {
            return s;
          }
          if (auto s = CheckText(path + ".rejected.note", l.rejected().note()); !s.ok()) return s;
          decision.rejected = true;
          decision.reject_reason = l.rejected().reason();
          break;
        default:
          return rpc::InvalidArgument(path + ".decision", "accepted or rejected is required");
      }
      decisions.push_back(std::move(decision));
    }
    return MutateTicket(pool_, ctx, *who, "AcceptTicket", req->request_id(), RequestHash(*req),
                        req->ticket_id(), resp, [&](d::Order& o, int t, absl::Time now) {
                          return d::AcceptTicket(o, t, decisions, now);
                        });
  });
}

grpc::Status TicketApi::RejectTicket(grpc::ServerContext* ctx, const v1::RejectTicketRequest* req,
                                     v1::RejectTicketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckRequestId(req->request_id()); !s.ok()) return s;
    if (auto s = CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    if (auto s = CheckReason("reason", req->reason()); !s.ok()) return s;
    if (auto s = CheckText("note", req->note()); !s.ok()) return s;
    return MutateTicket(pool_, ctx, *who, "RejectTicket", req->request_id(), RequestHash(*req),
                        req->ticket_id(), resp, [&](d::Order& o, int t, absl::Time now) {
                          return d::RejectTicket(o, t, req->reason(), req->note(), now);
                        });
  });
}

grpc::Status TicketApi::MarkTicketReady(grpc::ServerContext* ctx,
                                        const v1::MarkTicketReadyRequest* req,
                                        v1::MarkTicketReadyResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kTrader});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckRequestId(req->request_id()); !s.ok()) return s;
    if (auto s = CheckUuid("ticket_id", req->ticket_id()); !s.ok()) return s;
    return MutateTicket(
        pool_, ctx, *who, "MarkTicketReady", req->request_id(), RequestHash(*req), req->ticket_id(),
        resp, [&](d::Order& o, int t, absl::Time now) { return d::MarkTicketReady(o, t, now); });
  });
}

}  // namespace pasar::order
