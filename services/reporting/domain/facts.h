// What the reporting service knows, as the events told it: the markets, stalls and product
// listings of inventory, and per order the facts of its life (one per event). Every figure is a
// pure function of these sets, whatever order the events arrived in: that is what makes the
// figures identical after a replay of the streams into a fresh schema (README, "Reporting").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace pasar::reporting {

struct MarketInfo {
  std::string id;
  std::string name;
  std::string kecamatan;
  std::string village;
  absl::TimeZone zone;  // the market's time zone: its days start at its midnight
};

struct StallInfo {
  std::string id;
  std::string market_id;
  std::string name;
  bool open = false;
  int pause = 0;  // pasar.inventory.v1.StallPause
};

// One version of a product's listing, in force from `valid_from` (the event's time).
struct ProductVersion {
  std::string product_id;
  absl::Time valid_from;
  int commodity = 0;  // pasar.common.v1.Commodity
  int64_t standard_unit_milli = 0;
};

enum class FactKind {
  kPlaced = 1,           // OrderPlaced (amount: goods total as ordered)
  kTicketAccepted = 2,   // TicketAccepted (ticket, stall; amount: the ticket's final total)
  kTicketRejected = 3,   // TicketRejected (ticket, stall)
  kTicketExpired = 4,    // TicketExpired (ticket, stall)
  kConfirmed = 5,        // OrderConfirmed (amount: goods total of the accepted tickets)
  kCancelled = 6,        // OrderCancelled (reason: pasar.order.v1.CancelReason)
  kAssigned = 7,         // CourierAssigned (courier)
  kUnassigned = 8,       // CourierUnassigned (courier)
  kPickedUp = 9,         // PickupConfirmed (ticket, stall, courier; amount: paid to the trader;
                         // all_picked_up: the job's last stop)
  kDelivered = 10,       // DeliveryConfirmed (courier; amount: the courier's earning)
  kDeliveryFailed = 11,  // DeliveryFailed (courier; amount: the failure fee charged)
  kReturned = 12,        // GoodsReturned (ticket, stall, courier; amount: what the courier had
                         // paid for the goods; reason: pasar.dispatch.v1.ReturnDestination;
                         // all_picked_up: the job's last stop, every ticket's goods back)
};

struct Fact {
  std::string event_id{};
  FactKind kind = FactKind::kPlaced;
  absl::Time at{};  // the event's occurred_at
  std::string ticket_id{};
  std::string stall_id{};
  std::string courier_id{};
  int64_t amount_idr = 0;
  int reason = 0;
  bool all_picked_up = false;
};

// A ticket as placed (OrderPlaced).
struct TicketPlan {
  std::string ticket_id{};
  std::string stall_id{};
  absl::Time decide_by{};
};

// A product line of a ticket: as ordered (OrderPlaced) and as decided (TicketAccepted). Either
// half may be missing while its event has not arrived.
struct Line {
  std::string ticket_id{};
  std::string product_id{};
  std::optional<int64_t> quantity{};   // ordered units of the sale unit
  std::optional<int64_t> price_idr{};  // listed price of one sale unit
  bool decided = false;                // TicketAccepted seen
  bool accepted = false;
  int64_t final_quantity = 0;
  int64_t line_total_idr = 0;
};

// One order and everything known of it.
struct OrderRecord {
  std::string order_id;
  std::string market_id;                // empty until an event naming the market arrived
  std::optional<absl::Time> placed_at;  // OrderPlaced's time
  std::vector<Fact> facts;              // in (at, event_id) order
  std::vector<TicketPlan> tickets;
  std::vector<Line> lines;
};

}  // namespace pasar::reporting
