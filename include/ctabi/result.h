// Errors are values: every operation that can fail on user input returns a
// Result<T>, whose error message names the argument and the reason.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace ctabi {

// A failure with a message meant for a person ("argument 2: ...").
struct Error {
    std::string message;
    // Errors about a text (a signature): the offending byte's offset, or -1.
    int64_t position = -1;
};

// Either a value or an Error; a minimal std::expected (C++23) for C++20.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, Error> v_;
};

// The success value of operations that return nothing.
struct Ok {};

inline Error make_error(std::string message) {
    return Error{std::move(message)};
}

} // namespace ctabi

// Propagates an error from a Result-returning expression, binding the value.
#define CTABI_TRY_ASSIGN(var, expr)                                                                \
    auto var##_result_ = (expr);                                                                   \
    if (!var##_result_) return var##_result_.error();                                              \
    auto var = std::move(*var##_result_)
