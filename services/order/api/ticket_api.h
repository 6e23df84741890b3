// pasar.order.v1.TicketService: the gRPC adapter of traders' tickets (only those of the stalls in
// their token). Decode and check the request, call the use case (app/tickets.h), encode the
// answer; who may call which method is api/access.cc's table, applied by rpc::Serve.
#pragma once

#include "app/settings.h"
#include "app/tickets.h"
#include "pasar/events/live.h"
#include "pasar/order/v1/order.grpc.pb.h"

namespace pasar::order {

class TicketApi final : public v1::TicketService::Service {
 public:
  TicketApi(Tickets& tickets, events::LiveHub& live, const Settings& settings)
      : tickets_(tickets), live_(live), settings_(settings) {}

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
  // WatchTickets' stream after its checks: the open tickets, then every change.
  absl::Status StreamTickets(grpc::ServerContext* ctx, const auth::Principal& who,
                             const std::vector<std::string>& stalls,
                             grpc::ServerWriter<v1::WatchTicketsResponse>* writer);

  Tickets& tickets_;
  events::LiveHub& live_;
  const Settings& settings_;
};

}  // namespace pasar::order
