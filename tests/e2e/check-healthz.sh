#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An exec health check for the e2e tests: the backend's /healthz, by curl.
# xlbd sets XLB_BACKEND, XLB_PORT and XLB_VIP; exit status 0 means healthy.
exec curl -sf -m 1 -o /dev/null "http://$XLB_BACKEND:$XLB_PORT/healthz"
