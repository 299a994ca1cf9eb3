//! Ciphertext export jobs and the order rows they stream.
