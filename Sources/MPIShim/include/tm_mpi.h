// Open MPI behind a <stdint.h>-only header. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT,
// MPI_SUM, MPI_IN_PLACE) are macros over addresses of global structs, which Swift cannot import;
// and the Cluster module should not expose MPI's types to its users anyway. Owned by Cluster.
// Every function returns 0 on success or an MPI error code (see tm_mpi_error_string); all act
// on MPI_COMM_WORLD, whose error handler is set to MPI_ERRORS_RETURN by tm_mpi_init.
#ifndef TM_MPI_H
#define TM_MPI_H
#include <stdint.h>

/// MPI_Init_thread(MPI_THREAD_FUNNELED): only the thread that called init makes MPI calls.
int32_t tm_mpi_init(int32_t *rank, int32_t *size);
int32_t tm_mpi_finalize(void);
/// Ends every process of the job with `code` (never returns in practice).
int32_t tm_mpi_abort(int32_t code);
int32_t tm_mpi_barrier(void);
void tm_mpi_error_string(int32_t code, char *buffer, int32_t capacity);

/// In-place sum over all ranks; count < 2^31.
int32_t tm_mpi_allreduce_sum_f64(double *buffer, int32_t count);

/// Non-blocking in-place float sum; *request receives an opaque handle for test/wait.
int32_t tm_mpi_iallreduce_sum_f32(float *buffer, int32_t count, void **request);
/// *done = 1 once the operation finished (the request is then freed); also drives progress.
int32_t tm_mpi_test(void **request, int32_t *done);
int32_t tm_mpi_wait(void **request);

/// Every rank's `value`, into `all[size]` on every rank.
int32_t tm_mpi_allgather_i64(int64_t value, int64_t *all);
/// Concatenates every rank's bytes (counts[r] from each rank, displs[r] offsets into `receive`)
/// on every rank.
int32_t tm_mpi_allgatherv_bytes(const void *send, int32_t count, void *receive, const int32_t *counts, const int32_t *displs);
/// The same into `receive` on `root` only (`receive`, counts and displs are read on root only).
int32_t tm_mpi_gatherv_bytes(const void *send, int32_t count, void *receive, const int32_t *counts, const int32_t *displs, int32_t root);

#endif
