// The page tokens of ListOrders and ListTickets (pasar/request/page_token.h): the position is the
// store's keyset cursor (created_at in microseconds, id) of the previous page's last row, bound
// to the request's filters.
#pragma once

#include <optional>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "store/order_store.h"

namespace pasar::order {

// nullopt for the first page; INVALID_ARGUMENT "page_token: ..." for a token that is not one of
// this request's.
absl::StatusOr<std::optional<store::Cursor>> CursorOf(const google::protobuf::Message& request,
                                                      const std::string& token);
std::string TokenOf(const google::protobuf::Message& request, const store::Cursor& cursor);

}  // namespace pasar::order
