#!/usr/bin/env python3
"""Regenerate ciphers.tsv, the cipher-suite database of tls-probe.

Sources (all public):
  * the IANA TLS Cipher Suites registry, as shipped in tls-parser's
    scripts/tls-ciphersuites.txt (MIT/Apache-2.0; columns code:name:kx:au:enc:
    mode:bits:mac:macbits:prf:prfbits:rfc:export:minver:maxver);
  * OpenSSL names from `openssl ciphers -stdname -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`
    and, for suites that OpenSSL 3 no longer builds, the names OpenSSL 1.0.2 used
    (LEGACY below).
Usage: gen-ciphers.py PATH/TO/tls-ciphersuites.txt > ciphers.tsv
"""
import subprocess, sys

LEGACY = {
 0x0001:"NULL-MD5",0x0002:"NULL-SHA",0x0003:"EXP-RC4-MD5",0x0004:"RC4-MD5",0x0005:"RC4-SHA",
 0x0006:"EXP-RC2-CBC-MD5",0x0007:"IDEA-CBC-SHA",0x0008:"EXP-DES-CBC-SHA",0x0009:"DES-CBC-SHA",
 0x000A:"DES-CBC3-SHA",0x000B:"EXP-DH-DSS-DES-CBC-SHA",0x000C:"DH-DSS-DES-CBC-SHA",
 0x000D:"DH-DSS-DES-CBC3-SHA",0x000E:"EXP-DH-RSA-DES-CBC-SHA",0x000F:"DH-RSA-DES-CBC-SHA",
 0x0010:"DH-RSA-DES-CBC3-SHA",0x0011:"EXP-EDH-DSS-DES-CBC-SHA",0x0012:"EDH-DSS-DES-CBC-SHA",
 0x0013:"EDH-DSS-DES-CBC3-SHA",0x0014:"EXP-EDH-RSA-DES-CBC-SHA",0x0015:"EDH-RSA-DES-CBC-SHA",
 0x0016:"EDH-RSA-DES-CBC3-SHA",0x0017:"EXP-ADH-RC4-MD5",0x0018:"ADH-RC4-MD5",
 0x0019:"EXP-ADH-DES-CBC-SHA",0x001A:"ADH-DES-CBC-SHA",0x001B:"ADH-DES-CBC3-SHA",
 0x0030:"DH-DSS-AES128-SHA",0x0031:"DH-RSA-AES128-SHA",0x0036:"DH-DSS-AES256-SHA",
 0x0037:"DH-RSA-AES256-SHA",0x003E:"DH-DSS-AES128-SHA256",0x003F:"DH-RSA-AES128-SHA256",
 0x0042:"DH-DSS-CAMELLIA128-SHA",0x0043:"DH-RSA-CAMELLIA128-SHA",
 0x0060:"EXP1024-RC4-MD5",0x0061:"EXP1024-RC2-CBC-MD5",0x0062:"EXP1024-DES-CBC-SHA",
 0x0063:"EXP1024-DHE-DSS-DES-CBC-SHA",0x0064:"EXP1024-RC4-SHA",0x0065:"EXP1024-DHE-DSS-RC4-SHA",
 0x0066:"DHE-DSS-RC4-SHA",0x0068:"DH-DSS-AES256-SHA256",0x0069:"DH-RSA-AES256-SHA256",
 0x0080:"GOST94-GOST89-GOST89",0x0081:"GOST2001-GOST89-GOST89",
 0x0085:"DH-DSS-CAMELLIA256-SHA",0x0086:"DH-RSA-CAMELLIA256-SHA",
 0x008A:"PSK-RC4-SHA",0x008B:"PSK-3DES-EDE-CBC-SHA",0x008E:"DHE-PSK-RC4-SHA",
 0x008F:"DHE-PSK-3DES-EDE-CBC-SHA",0x0092:"RSA-PSK-RC4-SHA",0x0093:"RSA-PSK-3DES-EDE-CBC-SHA",
 0x0096:"SEED-SHA",0x0097:"DH-DSS-SEED-SHA",0x0098:"DH-RSA-SEED-SHA",0x0099:"DHE-DSS-SEED-SHA",
 0x009A:"DHE-RSA-SEED-SHA",0x009B:"ADH-SEED-SHA",
 0x00A0:"DH-RSA-AES128-GCM-SHA256",0x00A1:"DH-RSA-AES256-GCM-SHA384",
 0x00A4:"DH-DSS-AES128-GCM-SHA256",0x00A5:"DH-DSS-AES256-GCM-SHA384",
 0xC001:"ECDH-ECDSA-NULL-SHA",0xC002:"ECDH-ECDSA-RC4-SHA",0xC003:"ECDH-ECDSA-DES-CBC3-SHA",
 0xC004:"ECDH-ECDSA-AES128-SHA",0xC005:"ECDH-ECDSA-AES256-SHA",0xC007:"ECDHE-ECDSA-RC4-SHA",
 0xC008:"ECDHE-ECDSA-DES-CBC3-SHA",0xC00B:"ECDH-RSA-NULL-SHA",0xC00C:"ECDH-RSA-RC4-SHA",
 0xC00D:"ECDH-RSA-DES-CBC3-SHA",0xC00E:"ECDH-RSA-AES128-SHA",0xC00F:"ECDH-RSA-AES256-SHA",
 0xC011:"ECDHE-RSA-RC4-SHA",0xC012:"ECDHE-RSA-DES-CBC3-SHA",0xC016:"AECDH-RC4-SHA",
 0xC017:"AECDH-DES-CBC3-SHA",0xC01A:"SRP-3DES-EDE-CBC-SHA",0xC01B:"SRP-RSA-3DES-EDE-CBC-SHA",
 0xC01C:"SRP-DSS-3DES-EDE-CBC-SHA",0xC025:"ECDH-ECDSA-AES128-SHA256",0xC026:"ECDH-ECDSA-AES256-SHA384",
 0xC029:"ECDH-RSA-AES128-SHA256",0xC02A:"ECDH-RSA-AES256-SHA384",0xC02D:"ECDH-ECDSA-AES128-GCM-SHA256",
 0xC02E:"ECDH-ECDSA-AES256-GCM-SHA384",0xC031:"ECDH-RSA-AES128-GCM-SHA256",
 0xC032:"ECDH-RSA-AES256-GCM-SHA384",0xC033:"ECDHE-PSK-RC4-SHA",0xC034:"ECDHE-PSK-3DES-EDE-CBC-SHA",
}

def openssl_names():
    out = subprocess.run(["openssl","ciphers","-stdname","-V","ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True, check=True).stdout
    m = {}
    for line in out.splitlines():
        parts = line.split()
        hexes = parts[0].split(",")
        code = int(hexes[0],16)<<8 | int(hexes[1],16)
        m[code] = parts[4]  # 0x..,0x.. - IANA - OPENSSL ...
    for l in subprocess.run(["openssl","ciphers","-s","-tls1_3"],capture_output=True,text=True).stdout.strip().split(":"):
        pass
    return m

def classify(kx, au, enc, mode, bits, mac, export, name):
    insecure, weak = [], []
    if enc == "NULL": insecure.append("no encryption (NULL cipher)")
    if au in ("NULL",) and kx not in ("NULL","TLS13"): insecure.append("anonymous key exchange: no server authentication (man-in-the-middle)")
    if export == "1" or "EXPORT" in name: insecure.append("export-grade cryptography (FREAK/Logjam)")
    if enc == "RC4": insecure.append("RC4 stream cipher has exploitable biases (RFC 7465 forbids it)")
    if enc in ("DES","DES40","RC2") or (enc=="DES" and bits=="56"): insecure.append(f"{enc} with a {bits}-bit key can be brute-forced")
    if mac == "HMAC-MD5" and enc != "NULL": weak.append("MD5-based MAC")
    if enc in ("3DES","IDEA") or "3DES" in name or "IDEA" in name:
        weak.append("64-bit block cipher (Sweet32)")
    if kx in ("RSA","DH","ECDH","PSK","RSA_PSK","SRP","KRB5","GOST","ECCPWD") and au != "NULL":
        weak.append("no forward secrecy (static key exchange)")
    if mode == "CBC": weak.append("CBC mode (padding-oracle attacks such as Lucky13; BEAST before TLS 1.1)")
    if mac == "HMAC-SHA1" and mode == "CBC": pass
    if insecure: return "insecure", "; ".join(insecure + weak)
    if weak: return "weak", "; ".join(weak)
    return "secure", "forward secrecy and an AEAD cipher" if kx != "TLS13" else "TLS 1.3 suite (AEAD, forward secrecy by design)"

def main():
    ossl = openssl_names()
    print("# tls-probe cipher-suite database. Generated by gen-ciphers.py; edit there.")
    print("# code\tiana\topenssl\tkx\tau\tenc\tmode\tbits\tmac\tpfs\tstrength\treason")
    for line in open(sys.argv[1]):
        line=line.strip()
        if not line or line.startswith("#"): continue
        f = line.split(":")
        code=int(f[0],16); name=f[1]; kx=f[2]; au=f[3]; enc=f[4]; mode=f[5]; bits=f[6]; mac=f[7]; export=f[12]
        if code in (0x0000, 0x00FF, 0x5600): continue  # NULL_WITH_NULL, SCSVs: not suites
        if mac == "NULL" and mode == "": mac = "-"
        on = ossl.get(code) or LEGACY.get(code) or "-"
        if name.startswith("TLS_") and kx == "TLS13":
            on = {0x1301:"TLS_AES_128_GCM_SHA256",0x1302:"TLS_AES_256_GCM_SHA384",0x1303:"TLS_CHACHA20_POLY1305_SHA256",0x1304:"TLS_AES_128_CCM_SHA256",0x1305:"TLS_AES_128_CCM_8_SHA256"}.get(code, on)
        pfs = "yes" if kx in ("DHE","ECDHE","TLS13","DHE_PSK","ECDHE_PSK","SRP_SHA","SRP") and au != "NULL" or kx=="TLS13" else "no"
        if kx in ("SRP","SRP_SHA"): pfs = "no"
        strength, reason = classify(kx, au, enc, mode, bits, mac, export, name)
        print("\t".join([f"{code:04x}", name, on, kx, au or "-", enc or "-", mode or "-", bits or "0", mac or "-", pfs, strength, reason]))

main()
