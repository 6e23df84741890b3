// Exact rectangular minimum-cost assignment (pure, no I/O).
//
// The solver is the shortest augmenting path method of Jonker & Volgenant in the form given by
// D. F. Crouse, "On implementing 2D rectangular assignment algorithms" (IEEE TAES 52(4), 2016),
// the algorithm behind scipy.optimize.linear_sum_assignment, with two additions:
//  - a greedy start: every row whose cheapest column is still free takes it (the row minimum is a
//    feasible dual, all column duals 0), so only conflicting rows need augmenting paths;
//  - infeasible pairs (+inf) are allowed even when no assignment covers every row;
//  - the Dijkstra step (relax a whole row, pick the column to settle) is one hand-vectorised
//    pass (AVX2 when the CPU has it, else SSE2, else scalar), choosing the lexicographic minimum
//    of (distance, already assigned, index): Crouse's preference for free columns among ties,
//    which keeps integer-cost and identical-row instances (many ties) fast, at no extra pass.
//
// Semantics with infeasible pairs: among all assignments that use only feasible (finite) pairs,
// the solver returns one that matches as MANY rows as possible (assuming rows <= cols, else as
// many columns), and among those one of minimum total cost. scipy instead raises "cost matrix is
// infeasible" when no full assignment exists; whenever scipy answers, both agree on the cost.
// Implementation: the plain double solver runs first; if some row has no finite augmenting path
// the instance is solved again with a private dummy column per row whose cost is the
// lexicographic pair (1 unmatched, 0), i.e. exactly "first fewer unmatched rows, then cost",
// with no big-M constant that would cost precision.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace pasar::dispatch {

struct AssignmentResult {
  // For each row, the assigned column, or -1 when the row is left unmatched.
  std::vector<int> col_for_row;
  // Sum of cost(row, col_for_row[row]) over matched rows.
  double total_cost = 0;
  // Number of matched rows.
  int matched = 0;
};

// `cost` is a dense row-major matrix of `rows` x `cols` doubles (any shape; a tall matrix is
// transposed internally). +inf marks an infeasible pair. Throws std::invalid_argument when a
// cost is NaN or -inf, or when cost.size() != rows * cols.
AssignmentResult SolveAssignment(int rows, int cols, std::span<const double> cost);

}  // namespace pasar::dispatch
