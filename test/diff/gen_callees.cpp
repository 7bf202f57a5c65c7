// gen_callees: writes the differential test's C file of callees.
//
//   gen_callees [--seed S] [--count N] [--conv sysv64|win64] [--fixed] [--only I]
//               [-o FILE] [--list]
//
// Compile the output with `cc -O2 -fPIC -shared -w`. --list prints the
// signatures (one per line, case order) instead of the C file; --only I
// writes case I alone (the same case as in the full run).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "diff_gen.h"

namespace {

int usage() {
    std::fprintf(stderr, "usage: gen_callees [--seed S] [--count N] [--conv sysv64|win64] "
                         "[--fixed] [--only I] [-o FILE] [--list]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    ctabi_diff::GenOptions options;
    const char* output = nullptr;
    bool list = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (arg == "--seed") {
            const char* v = value();
            if (!v) return usage();
            options.seed = std::strtoull(v, nullptr, 0);
        } else if (arg == "--count") {
            const char* v = value();
            if (!v) return usage();
            options.count = uint32_t(std::strtoul(v, nullptr, 0));
        } else if (arg == "--conv") {
            const char* v = value();
            if (!v) return usage();
            if (std::strcmp(v, "sysv64") == 0)
                options.conv = ctabi_diff::Conv::sysv64;
            else if (std::strcmp(v, "win64") == 0)
                options.conv = ctabi_diff::Conv::win64;
            else
                return usage();
        } else if (arg == "--only") {
            const char* v = value();
            if (!v) return usage();
            options.only = std::strtoll(v, nullptr, 0);
        } else if (arg == "--fixed") {
            options.fixed = true;
        } else if (arg == "-o") {
            if (!(output = value())) return usage();
        } else if (arg == "--list") {
            list = true;
        } else {
            return usage();
        }
    }
    ctabi_diff::Generated gen;
    std::string error;
    if (!ctabi_diff::generate(options, &gen, &error)) {
        std::fprintf(stderr, "gen_callees: %s\n", error.c_str());
        return 1;
    }
    std::string text;
    if (list)
        for (const auto& c : gen.cases)
            text += c.signature + "\n";
    else
        text = gen.single_file();
    FILE* f = output ? std::fopen(output, "w") : stdout;
    if (!f) {
        std::perror(output);
        return 1;
    }
    std::fwrite(text.data(), 1, text.size(), f);
    if (output) std::fclose(f);
    return 0;
}
