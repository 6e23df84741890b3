// Domain <-> pasar.order.v1 protos, with what each viewer may see.
#pragma once

#include <string>
#include <vector>

#include "domain/order.h"
#include "google/protobuf/timestamp.pb.h"
#include "pasar/order/v1/order.pb.h"

namespace pasar::order {

// Who looks: the delivery PIN is shown only to the order's customer, a pickup code only to the
// trader of that stall; operators see neither.
struct Viewer {
  enum class Kind { kCustomer, kTrader, kOperator };
  Kind kind = Kind::kOperator;
  std::vector<std::string> stalls;  // kTrader: the stalls in the token
  static Viewer Customer() { return {Kind::kCustomer, {}}; }
  static Viewer Operator() { return {Kind::kOperator, {}}; }
  static Viewer Trader(std::vector<std::string> stalls) {
    return {Kind::kTrader, std::move(stalls)};
  }
  bool SeesPickupCode(const std::string& stall_id) const;
};

void SetTime(google::protobuf::Timestamp* out, absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

v1::OrderStatus ToProto(domain::OrderState state);
v1::TicketStatus ToProto(domain::TicketState state);
v1::CancelReason ToProto(domain::CancelReason reason);
v1::CancellationState ToProto(domain::CancellationState state);
std::optional<domain::OrderState> FromProto(v1::OrderStatus status);
std::optional<domain::TicketState> FromProto(v1::TicketStatus status);

void ToProto(const domain::Ticket& ticket, const domain::Order& order, const Viewer& viewer,
             v1::Ticket* out);
void ToProto(const domain::Order& order, const Viewer& viewer, v1::Order* out);
void BenefitToProto(const domain::AppliedBenefit& benefit, v1::OrderBenefit* out);
void ToSummary(const domain::Order& order, v1::TicketOrderSummary* out);

}  // namespace pasar::order
