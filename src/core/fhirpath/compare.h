// Equality (=), equivalence (~) and ordering (<, sort) of items and collections
// (hl7.org/fhirpath/N1/#equality, #comparison): numbers across Integer and Decimal, dates with
// partial precision, quantities across units, and nodes by structure. Private to
// src/core/fhirpath/.
#pragma once

#include <optional>
#include <span>

#include "core/fhirpath/values.h"
#include "core/result.h"

namespace kiln::fhirpath {

// true/false, or nullopt when the answer is unknown (@2012 = @2012-01, 1 'mo' = 1 month).
std::optional<bool> ItemsEqual(const Item& a, const Item& b);
bool ItemsEquivalent(const Item& a, const Item& b);

// <0, 0, >0; nullopt when precision leaves the order open; an error for values that have no
// order between them ('a' < 1, true < false, a HumanName).
Result<std::optional<int>> CompareItems(const Item& a, const Item& b);

// Collection equality: empty if either side is empty, else pairwise in order.
std::optional<bool> CollectionsEqual(std::span<const Item> a, std::span<const Item> b);
// Collection equivalence: same size, each item equivalent to a distinct item of the other side.
bool CollectionsEquivalent(std::span<const Item> a, std::span<const Item> b);

// Quantities (a number counts as unit '1'): <0, 0, >0; nullopt when the units do not compare.
// `uncertain` is set for calendar years and months against UCUM units, whose equality is unknown.
std::optional<int> CompareQuantities(const Value& a, const Value& b, bool* uncertain = nullptr);

}  // namespace kiln::fhirpath
