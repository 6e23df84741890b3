// pasar.order.v1.TicketService: traders' tickets (only of the stalls in their token).
#pragma once

#include <functional>

#include "api/live.h"
#include "api/settings.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class TicketApi final : public v1::TicketService::Service {
 public:
  TicketApi(pg::Pool& pool, const auth::Verifier& verifier, LiveHub& live, const Settings& settings,
            std::function<bool()> shutting_down);

  grpc::Status ListTickets(grpc::ServerContext* ctx, const v1::ListTicketsRequest* req,
                           v1::ListTicketsResponse* resp) override;
  grpc::Status GetTicket(grpc::ServerContext* ctx, const v1::GetTicketRequest* req,
                         v1::GetTicketResponse* resp) override;
  grpc::Status WatchTickets(grpc::ServerContext* ctx, const v1::WatchTicketsRequest* req,
                            grpc::ServerWriter<v1::WatchTicketsResponse>* writer) override;
  grpc::Status AcceptTicket(grpc::ServerContext* ctx, const v1::AcceptTicketRequest* req,
                            v1::AcceptTicketResponse* resp) override;
  grpc::Status RejectTicket(grpc::ServerContext* ctx, const v1::RejectTicketRequest* req,
                            v1::RejectTicketResponse* resp) override;
  grpc::Status MarkTicketReady(grpc::ServerContext* ctx, const v1::MarkTicketReadyRequest* req,
                               v1::MarkTicketReadyResponse* resp) override;

 private:
  pg::Pool& pool_;
  const auth::Verifier& verifier_;
  LiveHub& live_;
  const Settings& settings_;
  std::function<bool()> shutting_down_;
};

}  // namespace pasar::order
