import Gavel
print(CurlGlobal.version)
