// The use cases of a trader's tickets (only those of the stalls in the trader's token): list,
// read, the reads behind WatchTickets, and the decisions (accept with weighed lines adjusted,
// reject, mark ready), each one transaction through the order state machine. A ticket of another
// stall answers NOT_FOUND exactly like a missing one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "domain/order.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/pg/pg.h"
#include "store/order_store.h"

namespace pasar::order {

class Tickets final {
 public:
  explicit Tickets(pg::Pool& pool) : pool_(pool) {}

  struct ListQuery {
    std::vector<std::string> stalls;    // of the caller, already checked
    std::vector<std::string> statuses;  // domain names; empty: every status
    std::optional<store::Cursor> after;
    int limit = 50;
  };
  absl::Status List(const auth::Principal& who, const ListQuery& query,
                    v1::ListTicketsResponse* resp, std::optional<store::Cursor>* next);
  absl::Status Get(const auth::Principal& who, const std::string& ticket_id,
                   v1::GetTicketResponse* resp);

  // AcceptTicket, RejectTicket, MarkTicketReady: idempotent on their request id.
  absl::Status Accept(const auth::Principal& who, const v1::AcceptTicketRequest& req,
                      const std::vector<domain::LineDecision>& decisions,
                      v1::AcceptTicketResponse* resp);
  absl::Status Reject(const auth::Principal& who, const v1::RejectTicketRequest& req,
                      v1::RejectTicketResponse* resp);
  absl::Status MarkReady(const auth::Principal& who, const v1::MarkTicketReadyRequest& req,
                         v1::MarkTicketReadyResponse* resp);

  // WatchTickets: the tickets of `stalls` open or changed since `since` (with their version),
  // and one ticket with its order's summary as the trader sees it (nullopt when gone).
  std::vector<store::TicketVersion> ToWatch(const std::vector<std::string>& stalls,
                                            absl::Time since);
  struct Watched {
    v1::Ticket ticket;
    v1::TicketOrderSummary order;
    int64_t version = 0;
    bool open = false;  // PENDING, ACCEPTED or READY
  };
  std::optional<Watched> Read(const auth::Principal& who, const store::TicketVersion& row);

 private:
  template <class Response, class Op>
  absl::Status Mutate(const auth::Principal& who, std::string_view rpc,
                      const std::string& request_id, const std::string& fingerprint,
                      const std::string& ticket_id, Response* resp, Op&& op);

  pg::Pool& pool_;
};

}  // namespace pasar::order
