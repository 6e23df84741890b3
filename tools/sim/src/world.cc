#include "world.h"

#include <iostream>

namespace pasar::sim {

void Registry::Add(std::shared_ptr<PlacedOrder> order) {
  absl::MutexLock lock(&mu_);
  by_id_[order->id] = order;
  in_order_.push_back(std::move(order));
}

std::shared_ptr<PlacedOrder> Registry::Find(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<PlacedOrder> Registry::Await(const std::string& id, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto present = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return by_id_.count(id) > 0; };
  mu_.AwaitWithTimeout(absl::Condition(&present), timeout);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<PlacedOrder>> Registry::All() const {
  absl::MutexLock lock(&mu_);
  return in_order_;
}

void Handover::Tell(const std::string& ticket_id, std::string code) {
  absl::MutexLock lock(&mu_);
  codes_[ticket_id] = std::move(code);
}

std::optional<std::string> Handover::Await(const std::string& ticket_id, absl::Time deadline,
                                           const std::atomic<bool>& give_up) const {
  absl::MutexLock lock(&mu_);
  auto told = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return codes_.count(ticket_id) > 0; };
  while (!told()) {
    if (give_up || absl::Now() >= deadline) return std::nullopt;
    mu_.AwaitWithTimeout(absl::Condition(&told),
                         std::min(absl::Milliseconds(100), deadline - absl::Now()));
  }
  return codes_.at(ticket_id);
}

std::string World::Slug(const std::string& uuid) const {
  absl::MutexLock lock(&slug_mu_);
  if (slug_of_.empty()) {
    for (const auto& [slug, id] : seeded.ids)
      slug_of_[id] = slug;
  }
  auto it = slug_of_.find(uuid);
  return it == slug_of_.end() ? "" : it->second;
}

void World::Note(const std::string& line) {
  absl::MutexLock lock(&log_mu_);
  std::ostream& out = log != nullptr ? *log : std::cerr;
  out << (tty ? "\r\033[K" : "") << line << "\n" << std::flush;
}

void World::Progress(const std::string& line) {
  absl::MutexLock lock(&log_mu_);
  std::ostream& out = log != nullptr ? *log : std::cerr;
  if (tty) {
    out << "\r\033[K" << line << std::flush;
  } else {
    out << line << "\n" << std::flush;
  }
}

}  // namespace pasar::sim
