#include <cblas.h>

/* OpenBLAS's own entry point that stops and joins its worker threads (exported by every
   pthreads build; declared in no installed header). The pool is started again, lazily, by the
   next openblas_set_num_threads or multithreaded call. See GPTThreads.releaseBLASWorkers. */
int blas_thread_shutdown_(void);
