// The golden-table form shared by the per-convention suites: signature text
// -> expected CallLayout::to_string(), with the rule each case pins.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"

namespace ctabi::abi {

struct GoldenCase {
    const char* signature; // canonical signature text (parse -> to_string is the identity)
    const char* layout;    // expected CallLayout::to_string()
    const char* reason;    // the rule, and how it was confirmed
};

inline void PrintTo(const GoldenCase& c, std::ostream* os) {
    *os << c.signature;
}

// Checks one case: the text is canonical, names `conv`, and classifies to
// the expected layout. The reason is attached to any failure.
inline void check_golden(const GoldenCase& c, CallConv conv) {
    SCOPED_TRACE(c.reason);
    auto sig = parse_signature(c.signature);
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    EXPECT_EQ(sig->to_string(), c.signature) << "table spellings are canonical";
    ASSERT_EQ(sig->conv, conv);
    auto layout = classify(*sig);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->to_string(), c.layout);
}

inline std::string golden_case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
    return "case" + std::to_string(info.index);
}

} // namespace ctabi::abi
