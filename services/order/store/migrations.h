// The order service's schema migrations (migrations/*.sql, embedded at build time).
#pragma once

#include <vector>

#include "pasar/pg/migrate.h"

namespace pasar::order {
std::vector<pg::Migration> Migrations();
}  // namespace pasar::order
