// A growable byte buffer for assembling WebSocket messages (internal to the codec).
//
// Unlike std::string it does not zero the bytes it grows by (an inflated or copied payload
// overwrites them at once), and growth is capped by the caller's limit, so a message of the
// maximum size never holds twice that much memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace paasrun::http::ws {

class MessageBuffer {
public:
    [[nodiscard]] char* data() noexcept { return data_.get(); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }

    /// Room for at least `n` more bytes; returns where they go. Grows to at least twice the
    /// capacity, but not past max(size + n, cap) bytes.
    char* prepare(std::size_t n, std::size_t cap) {
        if (capacity_ - size_ < n) {
            std::size_t want = std::max({size_ + n, capacity_ * 2, std::size_t{256}});
            want = std::min(want, std::max(size_ + n, cap));
            auto bigger = std::make_unique_for_overwrite<char[]>(want);
            if (size_ != 0) std::memcpy(bigger.get(), data_.get(), size_);
            data_ = std::move(bigger);
            capacity_ = want;
        }
        return data_.get() + size_;
    }
    void commit(std::size_t n) noexcept { size_ += n; }
    void append(std::string_view bytes, std::size_t cap) {
        if (bytes.empty()) return;
        std::memcpy(prepare(bytes.size(), cap), bytes.data(), bytes.size());
        size_ += bytes.size();
    }
    void clear() noexcept { size_ = 0; }
    /// Frees the memory (an idle connection keeps none).
    void release() noexcept {
        data_.reset();
        size_ = capacity_ = 0;
    }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace paasrun::http::ws
