#include "tm_mpi.h"
#include <mpi.h>
#include <string.h>

int32_t tm_mpi_init(int32_t *rank, int32_t *size) {
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return rc;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int r = 0, s = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    *rank = r; *size = s;
    return 0;
}

int32_t tm_mpi_finalize(void) { return MPI_Finalize(); }
int32_t tm_mpi_abort(int32_t code) { return MPI_Abort(MPI_COMM_WORLD, code); }
int32_t tm_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

void tm_mpi_error_string(int32_t code, char *buffer, int32_t capacity) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) { length = 0; }
    if (capacity <= 0) return;
    if (length >= capacity) length = capacity - 1;
    memcpy(buffer, text, (size_t)length);
    buffer[length] = 0;
}

int32_t tm_mpi_allreduce_sum_f64(double *buffer, int32_t count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int32_t tm_mpi_iallreduce_sum_f32(float *buffer, int32_t count, void **request) {
    MPI_Request r = MPI_REQUEST_NULL;
    int rc = MPI_Iallreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &r);
    *request = (void *)r;
    return rc;
}
int32_t tm_mpi_test(void **request, int32_t *done) {
    MPI_Request r = (MPI_Request)*request;
    int flag = 0;
    int rc = MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    *request = (void *)r;
    *done = flag;
    return rc;
}
int32_t tm_mpi_wait(void **request) {
    MPI_Request r = (MPI_Request)*request;
    int rc = MPI_Wait(&r, MPI_STATUS_IGNORE);
    *request = (void *)r;
    return rc;
}

int32_t tm_mpi_allgather_i64(int64_t value, int64_t *all) {
    return MPI_Allgather(&value, 1, MPI_INT64_T, all, 1, MPI_INT64_T, MPI_COMM_WORLD);
}
int32_t tm_mpi_allgatherv_bytes(const void *send, int32_t count, void *receive, const int32_t *counts, const int32_t *displs) {
    return MPI_Allgatherv(send, count, MPI_BYTE, receive, counts, displs, MPI_BYTE, MPI_COMM_WORLD);
}
int32_t tm_mpi_gatherv_bytes(const void *send, int32_t count, void *receive, const int32_t *counts, const int32_t *displs, int32_t root) {
    return MPI_Gatherv(send, count, MPI_BYTE, receive, counts, displs, MPI_BYTE, root, MPI_COMM_WORLD);
}
