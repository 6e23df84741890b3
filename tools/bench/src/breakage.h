// Deliberate breakage of the benchmarks' correctness checks, for the test that shows each check
// fails a run when what it checks is wrong (tools/bench/tests/breakage_test.sh).
//
// PASAR_BENCH_BREAK is a comma-separated list of the modes below; the benchmark programs alone
// read it (the services know nothing of it): each mode makes one program send requests that are
// refused, create fixtures other than the ones it checks against, drop or fail events in its own
// consumer, or report a wrong figure. Unset or empty: nothing is broken.
//
//   hot-refused         reserve-hot: every 10th ReserveStock names a product that does not exist
//   hot-oversold        reserve-hot: the product holds 10 % more units than the check expects
//   hot-undersold       reserve-hot: the product holds 10 % fewer units than the check expects
//   place-order-failed  place-order: every 10th cart has a line of quantity 0 (INVALID_ARGUMENT)
//   list-error          list-products: every 10th call sends a page token that is not one
//   list-short          list-products: every 10th call asks for a page of 49
//   get-order-foreign   get-order: every 10th GetOrder is asked by another customer (NOT_FOUND)
//   list-orders-short   list-orders: every 10th call asks for a page one order short
//   locations-rejected  locations: every 10th message starts with a fix of negative accuracy
//   events-lost         pasar-bench-events: the handler ignores every 100th event of the open loop
//   events-dead         pasar-bench-events: the handler fails every 100th event of the open loop
//                       (retried after 200 ms, dead-lettered at the second delivery)
//   geo-wrong           pasar-bench-geo: the index's answers that are checked lose their nearest
//   assign-empty        pasar-bench-assign: solves no instance
//   assign-crash        pasar-bench-assign: aborts after printing its figures
//   assign-cost         pasar-bench-assign: reports each total cost 1 higher than found
#pragma once

#include <string_view>

namespace pasar::bench {

// True when PASAR_BENCH_BREAK names `mode`. Throws std::invalid_argument when the variable names
// a mode that is not listed above, or when `mode` is not listed (a typo must not pass silently).
bool Broken(std::string_view mode);

}  // namespace pasar::bench
