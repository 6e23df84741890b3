// CourierService: the gRPC adapter of the courier's shift, locations, offers and jobs (role
// courier, api/access.cc; the courier is the one whose subject is the token's `sub`). Decode and
// check the request, call the use case, encode the answer.
#pragma once

#include "absl/time/time.h"
#include "app/courier_cases.h"
#include "app/exception_cases.h"
#include "domain/matching.h"
#include "pasar/auth/auth.h"
#include "pasar/dispatch/v1/dispatch.grpc.pb.h"
#include "pasar/events/live.h"
#include "workers/live_locations.h"

namespace pasar::dispatch::api {

namespace v1 = ::pasar::dispatch::v1;

class CourierApi final : public v1::CourierService::Service {
 public:
  // `hub`: the live hints of the dispatch stream (aggregate: the courier id).
  CourierApi(app::CourierCases& cases, app::ExceptionCases& exceptions, LiveLocations& locations,
             events::LiveHub& hub, absl::Duration watch_backstop = absl::Seconds(2))
      : cases_(cases),
        exceptions_(exceptions),
        locations_(locations),
        hub_(hub),
        watch_backstop_(watch_backstop) {}

  grpc::Status StartShift(grpc::ServerContext* ctx, const v1::StartShiftRequest* req,
                          v1::StartShiftResponse* resp) override;
  grpc::Status EndShift(grpc::ServerContext* ctx, const v1::EndShiftRequest* req,
                        v1::EndShiftResponse* resp) override;
  grpc::Status ReportLocations(grpc::ServerContext* ctx,
                               grpc::ServerReader<v1::ReportLocationsRequest>* reader,
                               v1::ReportLocationsResponse* resp) override;
  grpc::Status WatchOffers(grpc::ServerContext* ctx, const v1::WatchOffersRequest* req,
                           grpc::ServerWriter<v1::WatchOffersResponse>* writer) override;
  grpc::Status AcceptOffer(grpc::ServerContext* ctx, const v1::AcceptOfferRequest* req,
                           v1::AcceptOfferResponse* resp) override;
  grpc::Status DeclineOffer(grpc::ServerContext* ctx, const v1::DeclineOfferRequest* req,
                            v1::DeclineOfferResponse* resp) override;
  grpc::Status ConfirmPickup(grpc::ServerContext* ctx, const v1::ConfirmPickupRequest* req,
                             v1::ConfirmPickupResponse* resp) override;
  grpc::Status ConfirmDelivery(grpc::ServerContext* ctx, const v1::ConfirmDeliveryRequest* req,
                               v1::ConfirmDeliveryResponse* resp) override;
  grpc::Status GetCurrentJob(grpc::ServerContext* ctx, const v1::GetCurrentJobRequest* req,
                             v1::GetCurrentJobResponse* resp) override;
  // Failed deliveries and returns (api/exception_api.cc).
  grpc::Status ReportDeliveryAttempt(grpc::ServerContext* ctx,
                                     const v1::ReportDeliveryAttemptRequest* req,
                                     v1::ReportDeliveryAttemptResponse* resp) override;
  grpc::Status DeclareDeliveryFailed(grpc::ServerContext* ctx,
                                     const v1::DeclareDeliveryFailedRequest* req,
                                     v1::DeclareDeliveryFailedResponse* resp) override;
  grpc::Status ConfirmReturn(grpc::ServerContext* ctx, const v1::ConfirmReturnRequest* req,
                             v1::ConfirmReturnResponse* resp) override;
  grpc::Status GetMyStatement(grpc::ServerContext* ctx, const v1::GetMyStatementRequest* req,
                              v1::GetMyStatementResponse* resp) override;

 private:
  // WatchOffers' stream once the courier is known: the pending offer and job, then each change.
  void StreamOffers(grpc::ServerContext* ctx, const std::string& courier_id,
                    events::LiveHub::Watch& watch,
                    grpc::ServerWriter<v1::WatchOffersResponse>* writer);

  app::CourierCases& cases_;
  app::ExceptionCases& exceptions_;
  LiveLocations& locations_;
  events::LiveHub& hub_;
  const absl::Duration watch_backstop_;
};

}  // namespace pasar::dispatch::api
