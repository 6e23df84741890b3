// SQL spellings shared by the reporting store's files: instants travel as whole microseconds
// since the epoch, in both directions (exact, unlike a double).
#pragma once

// A timestamptz column read as microseconds: "(extract(epoch FROM at) * 1000000)::bigint".
#define PASAR_REP_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::bigint"
// Parameter $n (microseconds) as a timestamptz.
#define PASAR_REP_AT(n) "(timestamptz 'epoch' + $" n "::bigint * interval '1 microsecond')"
