// ctabi's libffi-compatible API: what its files share. Not installed.
#pragma once

#include <ffi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ctabi/abi/signature.h"
#include "ctabi/invoker.h"

namespace ctabi::ffi {

// libffi's FFI_ALIGN (prep_cif.c), the rounding its layouts use.
constexpr size_t ffi_align(size_t v, size_t a) {
    return (((v - 1) | (a - 1)) + 1);
}

// libffi prep_cif.c initialize_aggregate: fills a struct type's size and
// alignment from its elements (and, if given, the element offsets).
ffi_status initialize_aggregate(ffi_type* type, size_t* offsets);

// A signature's description, built on every ffi_prep_cif (ctypes prepares
// a cif per call): on the stack while it is short, on the heap beyond.
class Key {
public:
    void push(char c) {
        if (n_ < sizeof small_) [[likely]]
            small_[n_++] = c;
        else
            push_slow(c);
    }
    std::string_view view() const {
        return big_ ? std::string_view(heap_) : std::string_view(small_, n_);
    }

private:
    void push_slow(char c); // once the stack part is full: the heap from then on
    char small_[480];
    size_t n_ = 0;
    bool big_ = false;
    std::string heap_;
};

ffi_status append_aggregate_key(Key& key, ffi_type* type, int depth);

// Appends a description of `type` to `key` (everything ctabi's translation
// reads), initialising aggregates of size 0 on the way as libffi does
// (prep_cif.c: the return type, then each argument, is laid out when its
// size is 0). FFI_BAD_TYPEDEF for what libffi rejects.
inline ffi_status append_type_key(Key& key, ffi_type* type, int depth = 0) {
    if (type == nullptr) return FFI_BAD_TYPEDEF;
    if (type->type != FFI_TYPE_STRUCT && type->type != FFI_TYPE_COMPLEX) {
        // A scalar: its code, size and alignment, 3 bytes for every real one.
        if (type->size == 0 && initialize_aggregate(type, nullptr) != FFI_OK)
            return FFI_BAD_TYPEDEF;
        if (type->size < 0x80 && type->alignment < 0x80) {
            key.push(char(type->type));
            key.push(char(type->size));
            key.push(char(type->alignment));
            return FFI_OK;
        }
    }
    return append_aggregate_key(key, type, depth);
}

// The ctabi type of an ffi_type, laid out as libffi lays it out (elements at
// libffi's offsets, the size and alignment the type says).
Result<abi::Type> to_abi_type(const ffi_type* type, const abi::DataModel& model);

// A prepared signature: what ffi_prep_cif leaves for ffi_call and the
// closure functions, found through cif->flags.
struct CifEntry {
    abi::Signature signature;
    Invoker invoker; // unbound: the target is its first argument
    uint32_t result_size = 0;
    // libffi writes integral results narrower than ffi_arg as a whole
    // ffi_arg: how to widen ours (see widen_result).
    enum class Widen : uint8_t { none, sign, zero } widen = Widen::none;
    uint32_t stack_bytes = 0;
    // x86-64: libffi (ffi64.c) passes narrow integer arguments sign- or
    // zero-extended to 64 bits, beyond the psABI's 32; ffi_call does too.
    // The signature holds those arguments as 64-bit integers.
    struct WideArg {
        uint16_t index;
        uint8_t size;
        bool is_signed;
    };
    std::vector<WideArg> wide_args;
};

// The entry of a cif ffi_prep_cif(_var) prepared, or nullptr.
const CifEntry* entry_of(const ffi_cif* cif);

// fork() (fork_safety.cpp): the signature table's lock (cif.cpp) and the
// closures' lock (closures.cpp), taken before fork() in the parent,
// released after it there and made anew in the child.
void cif_table_fork_prepare();
void cif_table_fork_parent();
void cif_table_fork_child();
void closures_fork_prepare();
void closures_fork_parent();
void closures_fork_child();

} // namespace ctabi::ffi
