#include "app/tickets.h"

#include "app/changes.h"
#include "app/convert.h"
#include "app/idempotency.h"
#include "pasar/request/fields.h"
#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"

namespace pasar::order {
namespace {

namespace d = domain;

bool IsOpen(d::TicketState s) {
  return s == d::TicketState::kPending || s == d::TicketState::kAccepted ||
         s == d::TicketState::kReady;
}

absl::Status ToleranceExceeded(int index) {
  return request::Refused("WEIGHT_TOLERANCE_EXCEEDED",
                          "lines[" + std::to_string(index) +
                              "].accepted.line_total_idr: beyond the market's weighed tolerance");
}

absl::Status BadDecision(const d::Outcome& out) {
  const std::string path = "lines[" + std::to_string(out.decision_index) + "]";
  switch (out.decision_error) {
    case d::DecisionError::kUnknownLine:
      return request::Invalid(path + ".product_id", "not a line of this ticket");
    case d::DecisionError::kDuplicateLine:
      return request::Invalid(path + ".product_id", "decided twice");
    case d::DecisionError::kBadQuantity:
      return request::Invalid(path + ".accepted",
                              "final_quantity must be 0..ordered_quantity and "
                              "line_total_idr > 0");
    case d::DecisionError::kPriceOnCountedLine:
      return request::Invalid(path + ".accepted.line_total_idr",
                              "only weighed lines take a line total");
    case d::DecisionError::kNoneAccepted:
      return request::Invalid("lines", "every line rejected: use RejectTicket");
    default:
      return request::Invalid("lines", "invalid decision");
  }
}

absl::Status RefusalOf(const d::Outcome& out) {
  switch (out.refusal) {
    case d::Refusal::kNone:
      return absl::OkStatus();
    case d::Refusal::kInvalidTransition:
      return InvalidTransition(out.message);
    case d::Refusal::kToleranceExceeded:
      return ToleranceExceeded(out.decision_index);
    case d::Refusal::kBadDecision:
      return BadDecision(out);
  }
  return absl::InternalError("internal error");
}

}  // namespace

// The common shape of a trader's mutation of one ticket: locate the ticket, lock its order,
// check the stall is the caller's (else NOT_FOUND), replay a stored response, apply `op`,
// persist and publish, store the response — one transaction.
template <class Response, class Op>
absl::Status Tickets::Mutate(const auth::Principal& who, std::string_view rpc,
                             const std::string& request_id, const std::string& fingerprint,
                             const std::string& ticket_id, Response* resp, Op&& op) {
  return pg::WithTransaction(pool_, rpc, [&](pg::Transaction& tx) -> absl::Status {
    const auto ref = store::FindTicket(tx, ticket_id);
    if (!ref || !who.HasStall(ref->stall_id)) return request::NotFound("ticket");
    auto order = store::LoadOrder(tx, ref->order_id, true);
    if (!order) return request::NotFound("ticket");
    if (auto replayed = Replay(tx, who.subject, rpc, request_id, fingerprint, resp)) {
      return *replayed;
    }
    d::Ticket* ticket = order->FindTicket(ticket_id);
    if (ticket == nullptr) return request::NotFound("ticket");
    const int index = static_cast<int>(ticket - order->tickets.data());
    const absl::Time now = absl::Now();
    const d::OrderState previous = order->status;
    const d::Outcome out = op(*order, index, now);
    if (absl::Status refused = RefusalOf(out); !refused.ok()) return refused;
    if (out.changed()) RecordChanges(tx, *order, out.changes, {previous, now});
    ToProto(order->tickets[static_cast<size_t>(index)], *order, Viewer::Trader(who.stalls),
            resp->mutable_ticket());
    Remember(tx, who.subject, rpc, request_id, fingerprint, *resp);
    tx.Commit();
    return absl::OkStatus();
  });
}

absl::Status Tickets::List(const auth::Principal& who, const ListQuery& query,
                           v1::ListTicketsResponse* resp, std::optional<store::Cursor>* next) {
  next->reset();
  if (query.stalls.empty()) return absl::OkStatus();
  pg::Transaction tx(pool_, "list_tickets");
  const auto rows =
      store::ListTicketIds(tx, query.stalls, query.statuses, query.after, query.limit + 1);
  const Viewer viewer = Viewer::Trader(who.stalls);
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < query.limit; ++i) {
    const auto order = store::LoadOrder(tx, rows[i].first.order_id, false);
    if (!order) continue;
    for (const d::Ticket& t : order->tickets) {
      if (t.id == rows[i].second.id) ToProto(t, *order, viewer, resp->add_tickets());
    }
  }
  if (static_cast<int>(rows.size()) > query.limit) {
    *next = rows[static_cast<size_t>(query.limit) - 1].second;
  }
  return absl::OkStatus();
}

absl::Status Tickets::Get(const auth::Principal& who, const std::string& ticket_id,
                          v1::GetTicketResponse* resp) {
  pg::Transaction tx(pool_, "get_ticket");
  const auto ref = store::FindTicket(tx, ticket_id);
  if (!ref || !who.HasStall(ref->stall_id)) return request::NotFound("ticket");
  auto order = store::LoadOrder(tx, ref->order_id, false);
  if (!order) return request::NotFound("ticket");
  const d::Ticket* t = order->FindTicket(ticket_id);
  if (t == nullptr) return request::NotFound("ticket");
  ToProto(*t, *order, Viewer::Trader(who.stalls), resp->mutable_ticket());
  ToSummary(*order, resp->mutable_order());
  return absl::OkStatus();
}

absl::Status Tickets::Accept(const auth::Principal& who, const v1::AcceptTicketRequest& req,
                             const std::vector<d::LineDecision>& decisions,
                             v1::AcceptTicketResponse* resp) {
  return Mutate(
      who, "AcceptTicket", req.request_id(), request::Fingerprint(req), req.ticket_id(), resp,
      [&](d::Order& o, int t, absl::Time now) { return d::AcceptTicket(o, t, decisions, now); });
}

absl::Status Tickets::Reject(const auth::Principal& who, const v1::RejectTicketRequest& req,
                             v1::RejectTicketResponse* resp) {
  return Mutate(who, "RejectTicket", req.request_id(), request::Fingerprint(req), req.ticket_id(),
                resp, [&](d::Order& o, int t, absl::Time now) {
                  return d::RejectTicket(o, t, req.reason(), req.note(), now);
                });
}

absl::Status Tickets::MarkReady(const auth::Principal& who, const v1::MarkTicketReadyRequest& req,
                                v1::MarkTicketReadyResponse* resp) {
  return Mutate(who, "MarkTicketReady", req.request_id(), request::Fingerprint(req),
                req.ticket_id(), resp,
                [&](d::Order& o, int t, absl::Time now) { return d::MarkTicketReady(o, t, now); });
}

std::vector<store::TicketVersion> Tickets::ToWatch(const std::vector<std::string>& stalls,
                                                   absl::Time since) {
  return store::TicketsToWatch(pool_, stalls, since);
}

std::optional<Tickets::Watched> Tickets::Read(const auth::Principal& who,
                                              const store::TicketVersion& row) {
  pg::Transaction tx(pool_, "watch_tickets");
  const auto order = store::LoadOrder(tx, row.order_id, false);
  tx.Commit();
  if (!order) return std::nullopt;
  for (const d::Ticket& t : order->tickets) {
    if (t.id != row.ticket_id) continue;
    Watched w;
    ToProto(t, *order, Viewer::Trader(who.stalls), &w.ticket);
    ToSummary(*order, &w.order);
    w.version = t.version;
    w.open = IsOpen(t.status);
    return w;
  }
  return std::nullopt;
}

}  // namespace pasar::order
