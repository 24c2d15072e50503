/* libherd's private header: what its files share, never installed. */
#ifndef HERDI_H
#define HERDI_H

/* The HERD_E* code for a failed system call's errno. */
int herdi_error_from_errno(int err);

#endif /* HERDI_H */
