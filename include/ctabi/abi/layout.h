// CallLayout: where every part of every argument and of the result lives for
// one call. Plain data, produced once by classify(); emitters read it and
// never re-derive ABI rules.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctabi/abi/signature.h"

namespace ctabi::abi {

enum class RegClass : uint8_t {
    gpr, // general purpose: 0..15 = rax rcx rdx rbx rsp rbp rsi rdi r8..r15
    xmm, // xmm0..xmm15
    x87, // st(0)
};

// Hardware encodings of the general purpose registers.
namespace gpr {
inline constexpr uint8_t ax = 0, cx = 1, dx = 2, bx = 3, sp = 4, bp = 5, si = 6, di = 7;
inline constexpr uint8_t r8 = 8, r9 = 9, r10 = 10, r11 = 11;
} // namespace gpr

struct Location {
    enum class Where : uint8_t { reg, stack } where = Where::reg;
    RegClass cls = RegClass::gpr;
    uint8_t reg = 0;
    // Stack: byte offset from the stack pointer at the call instruction (the
    // lowest outgoing argument byte is offset 0, shadow space included).
    int32_t offset = 0;

    static Location in_reg(RegClass c, uint8_t r) { return {Where::reg, c, r, 0}; }
    static Location on_stack(int32_t off) { return {Where::stack, RegClass::gpr, 0, off}; }
    bool is_reg() const { return where == Where::reg; }
    bool is_stack() const { return where == Where::stack; }
    friend bool operator==(const Location&, const Location&) = default;
};

// The caller widens a narrow integer to 32 bits (System V: _Bool, char, short).
enum class Extend : uint8_t { none, sign32, zero32 };

// Bytes [offset, offset + size) of a value, held at `loc`. In a register the
// bytes start at bit 0; on the stack they start at loc.offset.
struct Piece {
    uint32_t offset = 0;
    uint32_t size = 0;
    Location loc;
    Extend extend = Extend::none;
    friend bool operator==(const Piece&, const Piece&) = default;
};

// The pieces of one value: a handful at most (two eightbytes, or one value in
// two registers for Win64 variadic floats), kept inline so that a layout
// costs one allocation per call shape, not one per argument.
class Pieces {
public:
    static constexpr size_t kCapacity = 4;

    void push_back(const Piece& p) {
        // Invariant: no classifier splits a value into more pieces.
        assert(size_ < kCapacity);
        items_[size_++] = p;
    }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const Piece& operator[](size_t i) const { return items_[i]; }
    Piece& operator[](size_t i) { return items_[i]; }
    const Piece& at(size_t i) const {
        if (i >= size_) throw std::out_of_range("Pieces::at");
        return items_[i];
    }
    const Piece& front() const { return at(0); }
    const Piece* begin() const { return items_.data(); }
    const Piece* end() const { return items_.data() + size_; }
    Piece* begin() { return items_.data(); }
    Piece* end() { return items_.data() + size_; }
    friend bool operator==(const Pieces& a, const Pieces& b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end());
    }

private:
    std::array<Piece, kCapacity> items_{};
    uint8_t size_ = 0;
};

enum class PassKind : uint8_t {
    // The value's bytes are in the pieces (registers and/or stack slots).
    direct,
    // The caller copies the value into its own frame (the copy) and passes
    // the copy's address; the pointer is the single piece.
    indirect,
};

inline constexpr int32_t kSretIndex = -1;

struct ArgLayout {
    // Index into Signature::args, or kSretIndex for the synthetic result
    // pointer argument (its value is the address of the result buffer).
    int32_t index = 0;
    PassKind kind = PassKind::direct;
    Pieces pieces;
    // Indirect: the copy lives at [sp at the call + copy_offset], inside the
    // caller's copy area (see CallLayout::copy_area_*).
    int32_t copy_offset = 0;
    uint32_t copy_size = 0;
    friend bool operator==(const ArgLayout&, const ArgLayout&) = default;
};

struct ResultLayout {
    enum class Kind : uint8_t {
        none,     // void
        direct,   // pieces say where the result's bytes come back
        indirect, // written through the sret argument
    } kind = Kind::none;
    Pieces pieces;
    // Indirect: the callee also returns the sret address here (rax / eax),
    // when the convention says so.
    bool returns_sret_pointer = false;
    Location sret_pointer_reg;
    friend bool operator==(const ResultLayout&, const ResultLayout&) = default;
};

struct CallLayout {
    CallConv conv = CallConv::sysv64;
    Platform platform = Platform::sysv;
    Arch arch = Arch::x86_64;
    // Arguments in signature order, the sret argument (if any) first.
    std::vector<ArgLayout> args;
    ResultLayout result;
    // Outgoing argument area, from the stack pointer at the call, shadow space
    // included (not rounded to the stack alignment).
    uint32_t stack_size = 0;
    uint32_t shadow_space = 0;
    // Caller-made copies of indirect arguments, above the argument area.
    uint32_t copy_area_size = 0;
    uint32_t copy_area_align = 1;
    // Bytes of arguments the callee removes on return (ret N).
    uint32_t callee_pops = 0;
    // Alignment the stack pointer must have at the call instruction.
    uint32_t stack_align = 16;
    // System V variadic calls: value to put in al (vector registers used);
    // -1 when the convention needs none.
    int32_t vector_count = -1;

    const ArgLayout* sret() const {
        return !args.empty() && args[0].index == kSretIndex ? &args[0] : nullptr;
    }
    // One line, stable: the golden-table form.
    std::string to_string() const;
    friend bool operator==(const CallLayout&, const CallLayout&) = default;
};

std::string location_name(const Location& loc, Arch arch);

} // namespace ctabi::abi
