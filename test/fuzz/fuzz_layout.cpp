// libFuzzer target: arbitrary type descriptions built with the C++ type API
// (include/ctabi/abi/type.h factories, not the text parser), then classified
// for every convention and platform.
//
// The input is a small bytecode for a stack machine of types. Each byte is an
// opcode; operands follow it. A number operand is one byte `b`:
//   b < 0xe0            the value b
//   0xe0 <= b < 0xf0    kInteresting[b - 0xe0] (limits: 2^30, 2^32, 2^64-1, ...)
//   b >= 0xf0           the next (b - 0xef) bytes (1..16, only 8 used),
//                       little-endian
// Opcodes (any other byte is skipped):
//   0x00..0x0d  push Type::scalar(Kind(op)) (void .. ptr) under the current
//               data model
//   0x10 n      STRUCT: pop n members (fewer if the stack has fewer; the
//               deepest first), push Type::struct_of
//   0x11 n      UNION: the same, Type::union_of
//   0x12 c      ARRAY: pop the element, push Type::array_of(element, c)
//   0x13 n s a o1..on   EXPLICIT: pop n members, push Type::struct_explicit
//               with offsets o1..on, size s, alignment a
//   0x14 n s a  EXPLICIT UNION: Type::union_explicit(members, s, a)
//   0x15 n      PACKED: n members at consecutive offsets, alignment 1
//               (ctypes' _pack_ = 1)
//   0x16 n a    ALIGNED: the natural struct of n members with its size and
//               alignment raised to a (__attribute__((aligned(a))))
//   0x17 k c d  NEST: wrap the top d times in a struct of it (k = 0), a
//               union of it (1), an array of c of it (2), or struct {T, i8}
//               (3): deep nesting
//   0x18        DUP the top (a copy)         0x19  DROP the top
//   0x1a k      push Type::scalar(Kind::Struct + k % 3): an aggregate kind
//               with no members (the factory's misuse)
//   0x20        ARG: pop the top as the next argument
//   0x21 n      ARGS: the top as the next n arguments (copies, n <= 256)
//   0x22        RESULT: pop the top as the result
//   0x23        VARIADIC: the arguments so far are the fixed ones
//   0x24 n      FIXED: n fixed arguments (out of range is an error value)
//   0x30 b      CONV: convention kConvs[b % 6], platform (b / 6) % 2; the
//               data model follows it
//   0x31 b      MODEL: only the data model, of that convention and platform
//               (types of another model than the signature's)
//   0x32 p i f s a  RAW MODEL: DataModel{pointer_size p, i64_align i,
//               f64_align f, f80_size s, f80_align a}, any values
// At the end, the types left on the stack are further arguments (deepest
// first), and the signature is classified under its convention and under
// every other one. After RAW MODEL or 0x1a the types are outside what the
// invariants speak of (a 3-byte alignment), so then the library only has to
// survive: every call returns, errors are values.
//
// A failed factory is an error value (type.h: Result): the machine checks
// that it has a message, pushes nothing and goes on. The machine itself bounds what it copies
// (kMaxNodes), so a slow input is the library's doing.
//
// Corpus: test/fuzz/corpus/layout/ (tools/fuzz runs and merges it; the
// hand-made seeds come from layout_seeds.py). CTABI_FUZZ_PRINT=1 prints the
// signature and layout each input makes:
//   CTABI_FUZZ_PRINT=1 build-fuzz/fuzz_layout test/fuzz/corpus/layout/seed-*
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "ctabi/abi/type.h"
#include "fuzz_checks.h"

namespace ctabi::fuzz {
namespace {

using abi::Type;

constexpr uint64_t kInteresting[16] = {
    0,
    1,
    3,
    16,
    17,
    255,
    256,
    uint64_t(1) << 16,
    (uint64_t(1) << 30) - 1,
    uint64_t(1) << 30,
    (uint64_t(1) << 30) + 1,
    uint64_t(1) << 31,
    uint64_t(1) << 32,
    (uint64_t(1) << 32) + 1,
    uint64_t(1) << 63,
    ~uint64_t(0),
};

// Types the machine may hold, copy and turn into arguments, counted in type
// nodes; a copy beyond it is skipped. Bounds the harness's own work (a DUP
// chain would otherwise double the tree per byte; every input is classified,
// checked and printed under twelve conventions), not the library's: each of
// its limits is reached with far fewer (5 arguments of 1 GiB pass 2^32 bytes).
constexpr uint64_t kMaxNodes = 1 << 10;
// Arguments one ARGS may add: register exhaustion needs a dozen, the 32-bit
// stack offsets five of 1 GiB.
constexpr uint64_t kMaxArgs = 1 << 8;
// NEST repetitions: enough to go far past any nesting limit.
constexpr uint64_t kMaxNest = 1 << 20;
// Entries on the machine's stack.
constexpr size_t kMaxStack = 1024;

// Iterative: the harness must not be what overflows the stack on a deep type.
uint64_t count_nodes(const Type& root) {
    uint64_t n = 0;
    std::vector<const Type*> todo{&root};
    while (!todo.empty()) {
        const Type* t = todo.back();
        todo.pop_back();
        ++n;
        for (const auto& f : t->fields)
            todo.push_back(&f.type);
    }
    return n;
}

// A member list built by moving (an initializer list would copy the tree).
std::vector<Type> members(Type a) {
    std::vector<Type> v;
    v.push_back(std::move(a));
    return v;
}
std::vector<Type> members(Type a, Type b) {
    std::vector<Type> v = members(std::move(a));
    v.push_back(std::move(b));
    return v;
}

class Machine {
public:
    Machine(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

    abi::Signature run() {
        while (p_ < end_)
            step(*p_++);
        for (auto& t : stack_)
            add_arg(std::move(t));
        stack_.clear();
        sig_.conv = conv_;
        sig_.platform = platform_;
        return std::move(sig_);
    }

private:
    uint64_t number() {
        if (p_ >= end_) return 0;
        const uint8_t b = *p_++;
        if (b < 0xe0) return b;
        if (b < 0xf0) return kInteresting[b - 0xe0];
        uint64_t v = 0;
        for (int i = 0, n = b - 0xef; i < n && p_ < end_; ++i, ++p_)
            if (i < 8) v |= uint64_t(*p_) << (8 * i);
        return v;
    }

    void push(Type t) {
        if (stack_.size() < kMaxStack) {
            nodes_ += count_nodes(t);
            stack_.push_back(std::move(t));
        }
    }
    void push(Result<Type> r) {
        if (r) {
            push(std::move(*r));
        } else {
            // type.h factories: the error names the problem.
            FUZZ_CHECK(!r.error().message.empty(), "factory error without a message");
        }
    }
    std::optional<Type> pop() {
        if (stack_.empty()) return std::nullopt;
        Type t = std::move(stack_.back());
        stack_.pop_back();
        return t;
    }
    std::vector<Type> pop_n(uint64_t n) {
        n = std::min<uint64_t>(n, stack_.size());
        std::vector<Type> members(std::make_move_iterator(stack_.end() - ptrdiff_t(n)),
                                  std::make_move_iterator(stack_.end()));
        stack_.resize(stack_.size() - n);
        return members;
    }
    bool budget(uint64_t nodes) {
        if (nodes > kMaxNodes || nodes_ + nodes > kMaxNodes) return false;
        nodes_ += nodes;
        return true;
    }
    void add_arg(Type t) { sig_.args.push_back(std::move(t)); }

    // A scalar of the current data model, which is remembered: a signature
    // whose types are all of its own model is what the parser makes.
    Type scalar(abi::Kind kind) {
        if (std::find(models_.begin(), models_.end(), model_) == models_.end())
            models_.push_back(model_);
        return Type::scalar(kind, model_);
    }

public:
    // True when every scalar was made with the signature's data model.
    // True after RAW MODEL or a memberless aggregate.
    bool malformed() const { return malformed_; }
    bool one_model() const {
        for (const auto& m : models_)
            if (!(m == abi::data_model(conv_, platform_))) return false;
        return true;
    }

private:
    void step(uint8_t op) {
        if (op <= 0x0d) return push(scalar(abi::Kind(op)));
        switch (op) {
        case 0x10: return push(Type::struct_of(pop_n(number())));
        case 0x11: return push(Type::union_of(pop_n(number())));
        case 0x12: {
            const uint64_t count = number();
            if (auto t = pop()) push(Type::array_of(std::move(*t), count));
            return;
        }
        case 0x13: {
            const uint64_t n = number(), size = number(), align = number();
            std::vector<abi::Field> fields;
            for (auto& t : pop_n(n))
                fields.push_back(abi::Field{std::move(t), number()});
            return push(Type::struct_explicit(std::move(fields), size, align));
        }
        case 0x14: {
            const uint64_t n = number(), size = number(), align = number();
            return push(Type::union_explicit(pop_n(n), size, align));
        }
        case 0x15: {
            std::vector<abi::Field> fields;
            uint64_t offset = 0;
            for (auto& t : pop_n(number())) {
                const uint64_t size = t.size;
                fields.push_back(abi::Field{std::move(t), offset});
                offset += size;
            }
            return push(Type::struct_explicit(std::move(fields), offset, 1));
        }
        case 0x16: {
            const uint64_t n = number(), align = number();
            auto natural = Type::struct_of(pop_n(n));
            if (!natural) return push(std::move(natural));
            const uint64_t a = std::max<uint64_t>(align, natural->align);
            // The size rounded up to `a` (a itself when that would wrap: the
            // factory refuses either).
            const uint64_t size = a > (uint64_t(1) << 32) ? a : (natural->size + a - 1) / a * a;
            return push(Type::struct_explicit(std::move(natural->fields), size, a));
        }
        case 0x17: return nest(number(), number(), number());
        case 0x18:
            if (!stack_.empty() && budget(count_nodes(stack_.back()))) {
                Type copy = stack_.back();
                stack_.push_back(std::move(copy));
            }
            return;
        case 0x19: (void)pop(); return;
        case 0x1a:
            malformed_ = true;
            return push(
                Type::scalar(abi::Kind(uint64_t(abi::Kind::Struct) + number() % 3), model_));
        case 0x20:
            if (auto t = pop()) add_arg(std::move(*t));
            return;
        case 0x21: {
            const uint64_t n = number();
            if (stack_.empty()) return;
            const uint64_t nodes = count_nodes(stack_.back());
            if (n > kMaxArgs || !budget(n * nodes)) return;
            for (uint64_t i = 0; i < n; ++i)
                add_arg(stack_.back());
            return;
        }
        case 0x22:
            if (auto t = pop()) sig_.result = std::move(*t);
            return;
        case 0x23: sig_.fixed_args = uint32_t(sig_.args.size()); return;
        case 0x24: sig_.fixed_args = uint32_t(number()); return;
        case 0x30: {
            const uint64_t b = number();
            conv_ = kConvs[b % 6];
            platform_ = kPlatforms[(b / 6) % 2];
            model_ = abi::data_model(conv_, platform_);
            return;
        }
        case 0x31: {
            const uint64_t b = number();
            model_ = abi::data_model(kConvs[b % 6], kPlatforms[(b / 6) % 2]);
            return;
        }
        case 0x32: {
            abi::DataModel m;
            m.pointer_size = uint32_t(number());
            m.i64_align = uint32_t(number());
            m.f64_align = uint32_t(number());
            m.f80_size = uint32_t(number());
            m.f80_align = uint32_t(number());
            model_ = m;
            malformed_ = true;
            return;
        }
        default: return;
        }
    }

    // Wraps the top `depth` times; stops at the first error (a nesting
    // limit), keeping the deepest type that was accepted.
    void nest(uint64_t kind, uint64_t count, uint64_t depth) {
        auto top = pop();
        if (!top) return;
        const Type base = std::move(*top);
        depth = std::min(depth, kMaxNest);
        auto wrap = [&](Type t) -> Result<Type> {
            switch (kind % 4) {
            case 0: return Type::struct_of(members(std::move(t)));
            case 1: return Type::union_of(members(std::move(t)));
            case 2: return Type::array_of(std::move(t), count);
            default: return Type::struct_of(members(std::move(t), scalar(abi::Kind::I8)));
            }
        };
        // The factories take their members, so a refused one is gone: count
        // the levels accepted, then build that many again from a copy.
        Type t = base;
        uint64_t accepted = 0;
        for (; accepted < depth; ++accepted) {
            auto next = wrap(std::move(t));
            if (!next) {
                FUZZ_CHECK(!next.error().message.empty(), "factory error without a message");
                break;
            }
            t = std::move(*next);
        }
        if (accepted < depth) {
            t = base;
            for (uint64_t i = 0; i < accepted; ++i) {
                auto next = wrap(std::move(t));
                // The factories are functions of their arguments.
                FUZZ_CHECK(next.ok(), "a factory refused what it accepted before");
                t = std::move(*next);
            }
        }
        push(std::move(t));
    }

    const uint8_t* p_;
    const uint8_t* end_;
    std::vector<Type> stack_;
    uint64_t nodes_ = 0;
    abi::Signature sig_;
    abi::CallConv conv_ = abi::CallConv::sysv64;
    abi::Platform platform_ = abi::Platform::sysv;
    abi::DataModel model_ = abi::DataModel::x86_64();
    std::vector<abi::DataModel> models_;
    bool malformed_ = false;
};

// Facts of every type the factories make (type.h): a power-of-two alignment
// dividing the size, members inside the aggregate, arrays of `count`
// elements.
void check_type(const Type& t) {
    auto ctx = [&] { return t.to_string(); };
    FUZZ_CHECK(is_power_of_two(t.align), ctx());
    if (!t.is_aggregate()) return;
    FUZZ_CHECK(t.size > 0 && t.size % t.align == 0, ctx());
    FUZZ_CHECK(t.size <= (uint64_t(1) << 30), ctx()); // README: over 1 GiB is rejected
    FUZZ_CHECK(!t.fields.empty(), ctx());
    uint64_t end = 0;
    for (const auto& f : t.fields) {
        FUZZ_CHECK(f.type.size > 0 && f.offset <= t.size && f.type.size <= t.size - f.offset,
                   ctx());
        if (t.kind == abi::Kind::Struct) {
            FUZZ_CHECK(f.offset >= end, ctx()); // in order, never overlapping
            end = f.offset + f.type.size;
        } else {
            FUZZ_CHECK(f.offset == 0, ctx());
        }
        check_type(f.type);
    }
    if (t.kind == abi::Kind::Array) {
        FUZZ_CHECK(t.fields.size() == 1 && t.count > 0, ctx());
        FUZZ_CHECK(uint64_t(t.count) * t.element().size == t.size, ctx());
    }
}

// Types outside the model's assumptions: every entry point must return
// (an error value or a result), nothing more is asked.
void survive(const abi::Signature& sig) {
    (void)sig.to_string();
    for (abi::CallConv conv : kConvs)
        for (abi::Platform platform : kPlatforms) {
            abi::Signature other = sig;
            other.conv = conv;
            other.platform = platform;
            if (auto layout = abi::classify(other)) {
                (void)layout->to_string();
                (void)abi::argument_buffer(other);
            }
            (void)abi::canonical_signature(other).to_string();
            (void)abi::parse_signature(other.to_string());
        }
}

void check(const abi::Signature& sig, bool one_model) {
    check_type(sig.result);
    for (const auto& t : sig.args)
        check_type(t);
    (void)sig.to_string(); // prints whatever it holds
    classify_and_check(sig);
    check_canonical(sig);
    // A signature that validates prints as text that re-parses to it
    // (signature.h), when its types are of its own data model: what the
    // parser makes. (MODEL breaks that on purpose: an 8-byte pointer is not
    // spelled differently from a 4-byte one.)
    if (one_model && abi::validate(sig)) check_round_trip(sig);
    for (abi::CallConv conv : kConvs)
        for (abi::Platform platform : kPlatforms) {
            abi::Signature other = sig;
            other.conv = conv;
            other.platform = platform;
            if (other == sig) continue;
            // (The canonical form is checked for the signature's own
            // convention only: re-parsing it under all twelve would make
            // this target ten times slower for little more coverage.)
            classify_and_check(other);
        }
}

} // namespace
} // namespace ctabi::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ctabi::fuzz::Machine machine(data, size);
    const ctabi::abi::Signature sig = machine.run();
    // CTABI_FUZZ_PRINT=1: print what an input builds (to read a corpus).
    static const bool print = std::getenv("CTABI_FUZZ_PRINT") != nullptr;
    if (print) {
        auto layout = ctabi::abi::classify(sig);
        std::printf("%s\n  => %s\n", sig.to_string().c_str(),
                    layout ? layout->to_string().c_str() : layout.error().message.c_str());
    }
    if (machine.malformed())
        ctabi::fuzz::survive(sig);
    else
        ctabi::fuzz::check(sig, machine.one_model());
    return 0;
}
