// Single-threaded OpenBLAS sgemm rate on the attention's product shapes (docs/gpt.md, attention):
// which blocking lets every product take OpenBLAS's small-matrix kernels, and how the plain (NN),
// transposed-A (TN) and transposed-B (NT) forms compare. Row-major, operands strided as in the
// qkv buffer of config B (3C = 1152), each product repeated 200 times, best of 5.
//
//   gcc -O2 scripts/sgemm-shapes.c -o /tmp/sgemm-shapes -lopenblas && /tmp/sgemm-shapes
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>

void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void run(int ta, int tb, int M, int N, int K) {
    int lda = 1152, ldb = 1152, ldc = 256;
    float *a = malloc(4L * 2048 * lda), *b = malloc(4L * 2048 * ldb), *c = calloc(256L * ldc, 4);
    for (long i = 0; i < 2048L * lda; i++) { a[i] = 0.01f * (i % 7); b[i] = 0.02f * (i % 5); }
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        for (int it = 0; it < 200; it++)
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        M, N, K, 1, a, lda, b, ldb, 0, c, ldc);
        double t = (now() - t0) / 200;
        if (t < best) best = t;
    }
    printf("%c%c m=%4d n=%4d k=%4d  %6.1f GFLOP/s\n", ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 2.0 * M * N * K / best / 1e9);
    free(a); free(b); free(c);
}

int main(void) {
    openblas_set_num_threads(1);
    int n[] = {64, 128, 192, 256};
    for (int m = 32; m <= 64; m += 32) {
        for (int i = 0; i < 4; i++) run(0, 1, m, n[i], 64);  // S = Q·Kᵀ with K as stored
        for (int i = 0; i < 4; i++) run(0, 0, m, n[i], 64);  // S = Q·(Kᵀ copied)
        for (int i = 0; i < 4; i++) run(0, 0, m, 64, n[i]);  // out = P·V
        for (int i = 0; i < 4; i++) run(1, 0, m, 64, n[i]);  // dV = Pᵀ·dout
    }
    return 0;
}
