// Result<T>: a value or an Error, with the API of C++23 std::expected (we build as C++20).
// Early returns use KILN_TRY / KILN_TRY_ASSIGN, so error paths stay one line each.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace kiln {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E e) : error_(std::move(e)) {}
  E& error() & { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

template <class T, class E = Error>
class [[nodiscard]] Expected {
 public:
  Expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class U>
  requires std::is_convertible_v<U, E> Expected(Unexpected<U> u)
      : v_(std::in_place_index<1>, std::move(u).error()) {}            // NOLINT
  Expected(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E& error() & {
    assert(!has_value());
    return std::get<1>(v_);
  }
  const E& error() const& {
    assert(!has_value());
    return std::get<1>(v_);
  }
  E&& error() && {
    assert(!has_value());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, E> v_;
};

struct Ok {};  // the value of a Result that carries only success

template <class T = Ok>
using Result = Expected<T, Error>;

}  // namespace kiln

#define KILN_CONCAT_INNER(a, b) a##b
#define KILN_CONCAT(a, b) KILN_CONCAT_INNER(a, b)

// KILN_TRY(expr): returns the error of a Result expression from the enclosing function.
#define KILN_TRY(expr)                                                 \
  do {                                                                 \
    auto&& kiln_try_result_ = (expr);                                  \
    if (!kiln_try_result_) return std::move(kiln_try_result_).error(); \
  } while (0)

// KILN_TRY_ASSIGN(lhs, expr): `lhs = value` of a Result, or return its error.
#define KILN_TRY_ASSIGN(lhs, expr) KILN_TRY_ASSIGN_IMPL(KILN_CONCAT(kiln_try_, __LINE__), lhs, expr)
#define KILN_TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                         \
  if (!tmp) return std::move(tmp).error();   \
  lhs = std::move(tmp).value()
