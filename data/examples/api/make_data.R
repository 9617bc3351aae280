# The data files of the API examples: R survey's `api` data (California Department of
# Education's Academic Performance Index, 2000, as shipped in R's survey package, Lumley;
# package GPL-2 | GPL-3; the data are public records of California's schools), with
# replicate weights BUILT HERE by R survey (not published by the Department).
#
#   Rscript data/examples/api/make_data.R     # writes the files below beside this script
#
# Made with R 4.2.2 (Debian 12), survey 4.1-1 (Debian r-cran-survey), foreign 0.8-84.
#
# Files (rows sorted: apistrat by stype then cds, apiclus1 by dnum then cds; every run
# writes the same bytes: the bootstrap's seed is fixed, write.dta writes no time stamp):
#   apistrat.dta        apistrat (stratified simple random sample of 200 schools, strata
#                       stype, fpc the stratum's number of schools): a labelled Stata file
#                       (foreign::write.dta, version 7): factors as integer codes 1, 2, ...
#                       with value labels (stype 1 E, 2 H, 3 M; No 1, Yes 2)
#   apiclus1.csv        apiclus1 (cluster sample of 15 school districts, dnum; fpc the
#                       number of districts, 757): the same columns, factors as the same
#                       integer codes
#   apiclus1_jk1.csv    apiclus1 + jk1 ... jk15: as.svrepdesign(dclus1, type = "JK1",
#                       compress = FALSE), whole weights (combined.weights = TRUE)
#   apistrat_jkn.csv    apistrat + jkn1 ... jkn200: as.svrepdesign(dstrat, type = "JKn")
#   apistrat_boot.csv   apistrat + bs1 ... bs50: as.svrepdesign(dstrat, type =
#                       "bootstrap", replicates = 50) after set.seed(20131)
#   apistrat_sdr.csv    apistrat + sdr1 ... sdr80: successive-difference replication (ACS
#                       style), built here: see sdr_factors() below
# Column names: R's dots become underscores (sch.wide -> sch_wide; a Stata name may not
# hold a dot), in every file alike. Weights are written with 17 significant digits.
#
# The fpc of dstrat and dclus1 is folded by R into the replicate designs' scale / rscales
# (JK1: scale (n-1)/n * (1 - n/N); JKn: rscales (n_h-1)/n_h * (1 - n_h/N_h); bootstrap:
# the rescaled bootstrap of bootweights(), scale n~/((n~-1)(R-1)) with n~ the harmonic
# mean of the PSUs per stratum): the codebooks state each explicitly, and this script
# checks that svrepdesign() on the written file, declared as the codebook says, gives
# as.svrepdesign()'s standard errors.
suppressPackageStartupMessages({library(survey); library(foreign)})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
data(api)

questions <- c("sch.wide", "comp.imp", "awards", "yr.rnd", "api00", "api99", "enroll", "meals")
strat <- apistrat[order(apistrat$stype, apistrat$cds), c("cds", "stype", "pw", "fpc", questions)]
clus1 <- apiclus1[order(apiclus1$dnum, apiclus1$cds),
                  c("cds", "dnum", "stype", "pw", "fpc", questions)]
rownames(strat) <- NULL
rownames(clus1) <- NULL
stopifnot(!anyNA(strat), !anyNA(clus1))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1)

# A data frame as the files hold it: underscores for dots, factors as integer codes.
coded <- function(d) {
  names(d) <- gsub(".", "_", names(d), fixed = TRUE)
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.integer(d[[v]])
  d
}
# Each number in the fewest of 15 or 17 significant digits that reads back exactly.
exact <- function(x) {
  s <- sprintf("%.15g", x)
  bad <- as.numeric(s) != x
  s[bad] <- sprintf("%.17g", x[bad])
  s
}
# CSV with every number exact (exact()), the id quoted, no row names.
write_csv17 <- function(d, file) {
  for (v in names(d)) if (is.double(d[[v]])) d[[v]] <- exact(d[[v]])
  # sprintf's text must not be quoted: quote only the id column
  write.csv(d, file, row.names = FALSE, na = "", quote = which(names(d) == "cds"))
}

# --- the full-sample files
dta <- strat
names(dta) <- gsub(".", "_", names(dta), fixed = TRUE)
attr(dta, "var.labels") <- NULL
write.dta(dta, file.path(here, "apistrat.dta"))  # factors -> labelled integers 1, 2, ...
back <- read.dta(file.path(here, "apistrat.dta"), convert.factors = FALSE)
stopifnot(identical(back$sch_wide, as.integer(strat$sch.wide)),
          identical(attr(back, "label.table")$stype, c(E = 1L, H = 2L, M = 3L)),
          identical(back$pw, strat$pw), identical(back$cds, strat$cds))
write_csv17(coded(clus1), file.path(here, "apiclus1.csv"))

# --- replicate weights built by R from the designs
with_weights <- function(d, w, prefix) {
  w <- matrix(as.numeric(w), nrow = NROW(w))
  colnames(w) <- paste0(prefix, seq_len(ncol(w)))
  cbind(coded(d), w)
}
# Same standard errors from the as.svrepdesign() object and from svrepdesign() on the file
check_same <- function(made, declared, label) {
  f <- ~api00 + enroll + sch.wide + stype
  a <- svymean(f, made); b <- svymean(f, declared)
  t1 <- svytotal(~enroll, subset(made, awards == "Yes"))
  t2 <- svytotal(~enroll, subset(declared, awards == "Yes"))
  stopifnot(isTRUE(all.equal(SE(a), SE(b), tolerance = 1e-12)),
            isTRUE(all.equal(coef(a), coef(b), tolerance = 1e-12)),
            isTRUE(all.equal(SE(t1), SE(t2), tolerance = 1e-12)))
  cat(sprintf("%-6s R = %3d  scale = %.17g  rscales = %s  mse = %s  degf = %d\n", label,
              ncol(declared$repweights), declared$scale,
              paste(unique(sprintf("%.17g", declared$rscales)), collapse = ", "),
              declared$mse, degf(declared)))
}
read_back <- function(file) {
  d <- read.csv(file, colClasses = c(cds = "character"))
  for (v in c("stype", "sch.wide", "comp.imp", "awards", "yr.rnd")) {
    col <- gsub(".", "_", v, fixed = TRUE)
    d[[v]] <- factor(d[[col]], labels = levels(strat[[v]]))
  }
  d
}

# JK1 on the one-stage cluster sample: 15 replicates (one per district left out)
jk1 <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)
write_csv17(with_weights(clus1, weights(jk1, "analysis"), "jk"),
            file.path(here, "apiclus1_jk1.csv"))
f <- read_back(file.path(here, "apiclus1_jk1.csv"))
check_same(jk1, svrepdesign(data = f, weights = ~pw, repweights = "^jk[0-9]+$",
                            type = "JK1", combined.weights = TRUE, scale = jk1$scale,
                            rscales = 1, mse = FALSE), "JK1")

# JKn on the stratified sample: 200 replicates (one per school), rscales by stratum
jkn <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE)
write_csv17(with_weights(strat, weights(jkn, "analysis"), "jkn"),
            file.path(here, "apistrat_jkn.csv"))
f <- read_back(file.path(here, "apistrat_jkn.csv"))
check_same(jkn, svrepdesign(data = f, weights = ~pw, repweights = "^jkn[0-9]+$",
                            type = "JKn", combined.weights = TRUE, scale = 1,
                            rscales = jkn$rscales, mse = FALSE), "JKn")

# Bootstrap (R's rescaled bootstrap with the strata's fpc), 50 replicates
set.seed(20131)
boot <- as.svrepdesign(dstrat, type = "bootstrap", replicates = 50, compress = FALSE)
write_csv17(with_weights(strat, weights(boot, "analysis"), "bs"),
            file.path(here, "apistrat_boot.csv"))
f <- read_back(file.path(here, "apistrat_boot.csv"))
check_same(boot, svrepdesign(data = f, weights = ~pw, repweights = "^bs[0-9]+$",
                             type = "bootstrap", combined.weights = TRUE, scale = boot$scale,
                             rscales = 1, mse = FALSE), "boot")

# Successive-difference replication (Fay & Train 1995; the ACS's), 80 replicates, on
# apistrat in its file order (stype, then cds): H = the 80 x 80 Hadamard matrix of
# survey::hadamard(79) as +1/-1; row i of the file gets rows a_i = ((i - 1) mod 80) + 1
# and b_i = (i mod 80) + 1 of H (cyclic: row 80 pairs with row 1), and its factor in
# replicate r is f[i, r] = 1 + 2^-1.5 H[a_i, r] - 2^-1.5 H[b_i, r] (1, 1 + 2^-0.5 or
# 1 - 2^-0.5); the replicate weight is pw * f[i, r]. The strata are not used.
sdr_factors <- function(n, R = 80) {
  H <- 2 * hadamard(R - 1) - 1
  stopifnot(dim(H) == c(R, R), H %*% t(H) == R * diag(R))
  a <- (seq_len(n) - 1) %% R + 1
  b <- seq_len(n) %% R + 1
  1 + 2^-1.5 * H[a, ] - 2^-1.5 * H[b, ]
}
sdr_w <- strat$pw * sdr_factors(nrow(strat))
write_csv17(with_weights(strat, sdr_w, "sdr"), file.path(here, "apistrat_sdr.csv"))
f <- read_back(file.path(here, "apistrat_sdr.csv"))
sdr <- svrepdesign(data = f, weights = ~pw, repweights = "^sdr[0-9]+$",
                   type = "successive-difference", combined.weights = TRUE, mse = TRUE)
stopifnot(sdr$scale == 4 / 80, all(sdr$rscales == 1), isTRUE(sdr$mse))
sdr_default <- svrepdesign(data = f, weights = ~pw, repweights = "^sdr[0-9]+$",
                           type = "successive-difference", combined.weights = TRUE)
cat(sprintf("SDR    R = %3d  scale = %.17g  rscales = 1  mse = %s (declared; svrepdesign's default mse = %s)  degf = %d\n",
            ncol(sdr$repweights), sdr$scale, sdr$mse, sdr_default$mse, degf(sdr)))

for (x in c("apistrat.dta", "apiclus1.csv", "apiclus1_jk1.csv", "apistrat_jkn.csv",
            "apistrat_boot.csv", "apistrat_sdr.csv")) {
  cat(sprintf("%-18s %8d bytes\n", x, file.size(file.path(here, x))))
}
