build-fp/node/recon_set.o: node/recon_set.c crypto/err.h node/recon_int.h \
 crypto/hash.h node/recon.h
crypto/err.h:
node/recon_int.h:
crypto/hash.h:
node/recon.h:
