/* Types shared by the C test library of the Python tests (test/python).
 * Every aggregate has a twin ctypes class in test/python/ctypes_types.py;
 * keep the two in step. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wchar.h>

#define MSABI __attribute__((ms_abi))

/* Structures, System V classes noted. */
typedef struct {
    int a;
    int b;
} S2i; /* 8: INTEGER */
typedef struct {
    double x;
    double y;
} S2d; /* 16: SSE, SSE */
typedef struct {
    long a;
    double b;
} SMix; /* 16: INTEGER, SSE */
typedef struct {
    float a, b, c;
} S3f; /* 12: SSE, SSE */
typedef struct {
    char c;
    short s;
    int i;
} SSmall; /* 8: INTEGER */
typedef struct {
    long a, b, c;
} S24; /* 24: MEMORY */
typedef struct {
    double d[5];
    int tag;
} SBig; /* 48: MEMORY, with an array */
typedef struct {
    int a[4];
} SArr; /* 16: INTEGER, INTEGER (array) */
typedef struct {
    char name[10];
    short id;
} SChars; /* 12: char array */
typedef struct {
    float f[3];
} SArrF; /* 12: SSE, SSE (array) */
typedef struct {
    S2i in;
    double z;
} SNested; /* 16: INTEGER, SSE (nested) */
typedef struct {
    SMix m;
    S2i arr[2];
} SNest2; /* 32: MEMORY (nested + array of structs) */

#pragma pack(push, 1)
typedef struct {
    char c;
    int i;
    double d;
} SPacked; /* 13: unaligned fields: MEMORY */
typedef struct {
    char c;
    short s;
} SPacked3; /* 3: INTEGER */
#pragma pack(pop)

/* Unions. */
typedef union {
    int i;
    float f;
} UIF; /* 4: INTEGER */
typedef union {
    double d;
    long l;
} UDL; /* 8: INTEGER */
typedef union {
    float f[2];
    double d;
} UFD; /* 8: SSE */
typedef union {
    S2d s;
    char c[16];
} UBig; /* 16: INTEGER, INTEGER (ctypes gets it wrong) */
typedef union {
    double d[3];
    long l;
} ULarge; /* 24: MEMORY */
typedef struct {
    int tag;
    UIF u;
    double x;
} SWithU; /* 16: INTEGER, SSE (struct holding a union) */

/* Big: arguments and results beyond any small buffer. */
typedef struct {
    double d[16];
} S128; /* 128: MEMORY */
