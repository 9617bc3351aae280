# Fay's balanced repeated replication (BRR with Fay's coefficient rho = 0.5) for NHANES II,
# and R survey's figures with it, in the pipeline's vocabulary, for the pipeline to
# reproduce at a relative 1e-6 (R is never run by the pipeline or its tests).
#
#   Rscript data/examples/nhanes2/make_fay.R   # writes nhanes2_fay.csv and reference_fay.csv
#
# sessionInfo(): R 4.2.2 Patched (2022-11-10 r83330), x86_64-pc-linux-gnu, Debian 12;
# survey 4.1-1 (Debian r-cran-survey), survival 3.5-3, Matrix 1.5-3; C.UTF-8 locale.
#
# Data: nhanes2.csv beside this script (NHANES II as shipped by samplics 0.6.1; U.S.
# public-domain data from NCHS). The replicate weights are DERIVED here, not published by
# NCHS: as.svrepdesign(svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt,
# nest = TRUE), type = "Fay", fay.rho = 0.5) makes 32 replicates from a Hadamard matrix
# over the 31 strata of 2 PSUs (in each, one PSU's weights times 1.5, the other's times
# 0.5). nhanes2_fay.csv is nhanes2.csv's rows and columns (in its order) with their whole
# weights (combined.weights = TRUE) as fay_1 ... fay_32; codebook_fay.yaml declares it.
# The references are computed on the file as the codebook declares it:
#   svrepdesign(weights = ~finalwgt, repweights = "^fay_[0-9]+$", type = "Fay", rho = 0.5,
#               combined.weights = TRUE, mse = FALSE)
#   # scale = 1/(R (1 - rho)^2) = 1/(32 * 0.25) = 0.125, rscales 1; mse = FALSE is
#   # getOption("survey.replicates.mse"), R's default: centred on the replicates' mean
# with every figure of codebook.yaml's questions (highbp, diabetes, highlead, region
# shares; zinc mean, quartiles and SD), overall and by race, race's shares and the tests
# of each question by race (figures.R in data/examples/api describes each; R 4.1.1's
# svyranktest cannot test zinc by race's 3 groups in a replicate design: no such rows).
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "..", "api", "figures.R"))
d <- read.csv(file.path(here, "nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)
made <- as.svrepdesign(des, type = "Fay", fay.rho = 0.5)
stopifnot(made$scale == 0.125, all(made$rscales == 1), isFALSE(made$mse))

w <- matrix(as.numeric(weights(made, "analysis")), nrow = nrow(d))
colnames(w) <- paste0("fay_", seq_len(ncol(w)))
exact <- function(x) {  # the fewest of 15 or 17 significant digits that read back exactly
  s <- sprintf("%.15g", x)
  bad <- as.numeric(s) != x
  s[bad] <- sprintf("%.17g", x[bad])
  s
}
out <- cbind(d, apply(w, 2, exact))
write.csv(out, file.path(here, "nhanes2_fay.csv"), row.names = FALSE, na = "", quote = FALSE)

f <- read.csv(file.path(here, "nhanes2_fay.csv"))
fay <- svrepdesign(data = f, weights = ~finalwgt, repweights = "^fay_[0-9]+$", type = "Fay",
                   rho = 0.5, combined.weights = TRUE, mse = FALSE)
stopifnot(fay$scale == 0.125, all(fay$rscales == 1), isFALSE(fay$mse), ncol(fay$repweights) == 32)
a <- svymean(~zinc + highbp, made, na.rm = TRUE)
b <- svymean(~zinc + highbp, fay, na.rm = TRUE)
stopifnot(isTRUE(all.equal(SE(a), SE(b), tolerance = 1e-12)))

options(warn = 1)
p <- quiet(design_figures(fay, c("highbp", "diabetes", "highlead", "region"), "zinc", "race"))
ref <- take_rows()
write.csv(ref, file.path(here, "reference_fay.csv"), row.names = FALSE)
cat(sprintf("# nhanes2_fay.csv: %d rows, %d replicates (scale %.17g, rscales 1, mse %s)\n",
            nrow(f), ncol(fay$repweights), fay$scale, fay$mse))
cat(sprintf("# degf(fay) = %d; reference_fay.csv: %d rows; smallest test p %s (survey %s)\n",
            degf(fay), nrow(ref), fmt(min(p)), packageVersion("survey")))
