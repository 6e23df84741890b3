// The order aggregate as the reporting service keeps it (tables orders, order_facts,
// order_tickets, order_lines): written by the events consumer, one event at a time inside its
// transaction; read as OrderRecords for the reports. Every write is idempotent and commutes with
// the others, so a replay, a duplicate or another arrival order ends in the same rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/facts.h"
#include "pasar/pg/pg.h"

namespace pasar::reporting {

class OrderStore final {
 public:
  explicit OrderStore(pg::Pool& pool) : pool_(pool) {}

  // Records that `order_id` exists: its market and placement when given (the first value known
  // wins), and `at` as its latest activity (the greatest wins).
  void Touch(pg::Transaction& tx, const std::string& order_id, const std::string& market_id,
             std::optional<absl::Time> placed_at, absl::Time at);
  // One fact (keyed by its event id: a second insert of the same event changes nothing).
  void AddFact(pg::Transaction& tx, const std::string& order_id, const Fact& fact);
  // The tickets of an order as placed, and their lines as ordered.
  void AddPlacement(pg::Transaction& tx, const std::string& order_id,
                    const std::vector<TicketPlan>& tickets, const std::vector<Line>& lines);
  // The trader's decision on the lines of a ticket (decided, accepted, final quantity, total).
  void Decide(pg::Transaction& tx, const std::string& order_id, const std::vector<Line>& lines);

  // Every order of the markets `market_ids` (empty: every market) with a fact at or after `from`
  // and placed before `to` (or not known to be placed yet), with its facts, tickets and lines.
  std::vector<OrderRecord> Load(const std::vector<std::string>& market_ids, absl::Time from,
                                absl::Time to);

 private:
  pg::Pool& pool_;
};

}  // namespace pasar::reporting
