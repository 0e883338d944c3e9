// Result<T> and Error: how the control plane reports failure.
//
// Control-plane code (config, supervisor, build, release, admin) returns Result<T> instead of
// throwing across module boundaries. An Error carries a human message and, when it comes
// from user input, where in that input (file, line, column; 0 means "unknown").
// The data plane (http, worker) uses error codes and status enums instead.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace paasrun {

struct Where {
    std::string file;  // empty when the input is not a file
    int line = 0;      // 1-based; 0 when unknown
    int column = 0;    // 1-based; 0 when unknown

    [[nodiscard]] std::string str() const;  // "file:line:col", omitting unknown parts
};

struct Error {
    std::string message;
    Where where;
    int sys_errno = 0;  // errno for system-call failures, else 0

    Error() = default;
    explicit Error(std::string msg, Where w = {}, int err = 0)
        : message(std::move(msg)), where(std::move(w)), sys_errno(err) {}

    /// "file:line:col: message" (or just the message when there is no position).
    [[nodiscard]] std::string describe() const;
};

/// An error for a failed system call: keeps errno and appends strerror.
template <typename... Args>
[[nodiscard]] Error sys_error(fmt::format_string<Args...> what, Args&&... args) {
    int err = errno;
    return Error(
        fmt::format("{}: {}", fmt::format(what, std::forward<Args>(args)...), std::strerror(err)),
        {}, err);
}

/// Either a value or an Error. Minimal std::expected for C++20.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    [[nodiscard]] bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    Error& error() & { return std::get<1>(v_); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

/// Result for operations with no value.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

    [[nodiscard]] bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace paasrun
