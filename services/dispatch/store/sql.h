// Shared pieces of the store's SQL (string literals, so that queries stay compile-time
// constants): timestamps travel as unix milliseconds.
#pragma once

#define DSP_MS(col) "(extract(epoch from " col ") * 1000)::bigint"
