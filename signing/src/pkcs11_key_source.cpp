// PKCS#11 adapter: loads the token's module with dlopen and signs on the token.
// The only file that includes the PKCS#11 header (p11-kit's copy of the OASIS one).
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <cstring>

#include "crypto.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/signer.hpp"

namespace sohoa::signing {

namespace {
std::string rv_text(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "wrong PIN";
    case CKR_PIN_LOCKED:
      return "PIN locked";
    case CKR_TOKEN_NOT_PRESENT:
      return "token not present";
    case CKR_DEVICE_REMOVED:
      return "token removed";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

void check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) {
    throw Error(ErrorCode::InvalidArgument, std::string("PKCS#11 ") + what + ": " + rv_text(rv));
  }
}
}  // namespace

struct Pkcs11KeySource::Impl {
  void* library = nullptr;
  CK_FUNCTION_LIST_PTR functions = nullptr;
  bool initialized = false;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  Buffer certificate;
  std::vector<Buffer> chain;
  KeyAlgorithm algorithm = KeyAlgorithm::Rsa;

  ~Impl() {
    if (session != CK_INVALID_HANDLE) {
      functions->C_Logout(session);
      functions->C_CloseSession(session);
    }
    if (initialized) functions->C_Finalize(nullptr);
    if (library != nullptr) dlclose(library);
  }

  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE s, CK_OBJECT_CLASS klass,
                                     const Buffer& id) const {
    CK_ATTRIBUTE query[] = {
        {CKA_CLASS, &klass, sizeof klass},
        {CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size()},
    };
    std::vector<CK_OBJECT_HANDLE> found;
    if (functions->C_FindObjectsInit(s, query, 2) != CKR_OK) return found;
    CK_OBJECT_HANDLE handles[16];
    CK_ULONG count = 0;
    while (functions->C_FindObjects(s, handles, 16, &count) == CKR_OK && count > 0) {
      found.insert(found.end(), handles, handles + count);
    }
    functions->C_FindObjectsFinal(s);
    return found;
  }

  Buffer attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) const {
    CK_ATTRIBUTE attr{type, nullptr, 0};
    check(functions->C_GetAttributeValue(session, object, &attr, 1), "read attribute");
    Buffer value(attr.ulValueLen);
    attr.pValue = value.data();
    check(functions->C_GetAttributeValue(session, object, &attr, 1), "read attribute");
    return value;
  }
};

Pkcs11KeySource::Pkcs11KeySource(const std::filesystem::path& module, const Buffer& key_id,
                                 const Secret& pin, std::vector<Buffer> chain)
    : impl_(std::make_unique<Impl>()) {
  impl_->library = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (impl_->library == nullptr) {
    throw Error(ErrorCode::InputNotFound, "cannot load PKCS#11 module " + module.string());
  }
  auto get_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(impl_->library, "C_GetFunctionList"));
  if (get_list == nullptr || get_list(&impl_->functions) != CKR_OK) {
    throw Error(ErrorCode::InvalidArgument, module.string() + " is not a PKCS#11 module");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = impl_->functions->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) check(rv, "initialise");
  impl_->initialized = rv == CKR_OK;

  CK_ULONG slot_count = 0;
  check(impl_->functions->C_GetSlotList(CK_TRUE, nullptr, &slot_count), "list slots");
  std::vector<CK_SLOT_ID> slots(slot_count);
  check(impl_->functions->C_GetSlotList(CK_TRUE, slots.data(), &slot_count), "list slots");
  slots.resize(slot_count);

  // The key is found by its ID on whichever token holds it.
  for (CK_SLOT_ID slot : slots) {
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    if (impl_->functions->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) !=
        CKR_OK) {
      continue;
    }
    std::vector<CK_OBJECT_HANDLE> certs = impl_->find(session, CKO_CERTIFICATE, key_id);
    if (certs.empty()) {
      impl_->functions->C_CloseSession(session);
      continue;
    }
    impl_->session = session;
    impl_->certificate = impl_->attribute(certs.front(), CKA_VALUE);
    rv = impl_->functions->C_Login(
        session, CKU_USER,
        reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.reveal().data())),
        pin.reveal().size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) check(rv, "login");
    std::vector<CK_OBJECT_HANDLE> keys = impl_->find(session, CKO_PRIVATE_KEY, key_id);
    if (keys.empty()) {
      throw Error(ErrorCode::InvalidArgument,
                  "the token has a certificate but no private key "
                  "with this ID");
    }
    impl_->key = keys.front();
    break;
  }
  if (impl_->session == CK_INVALID_HANDLE) {
    throw Error(ErrorCode::InputNotFound, "no token holds a certificate with this key ID");
  }
  impl_->algorithm = crypto::inspect_certificate(impl_->certificate).algorithm;
  impl_->chain = std::move(chain);
}

Pkcs11KeySource::~Pkcs11KeySource() = default;
const Buffer& Pkcs11KeySource::certificate_der() const {
  return impl_->certificate;
}
const std::vector<Buffer>& Pkcs11KeySource::chain_der() const {
  return impl_->chain;
}
KeyAlgorithm Pkcs11KeySource::algorithm() const {
  return impl_->algorithm;
}

Buffer Pkcs11KeySource::sign_sha256(ByteView data) {
  // Hash locally and sign the DigestInfo with raw PKCS#1 v1.5: every token
  // supports CKM_RSA_PKCS, not all support CKM_SHA256_RSA_PKCS.
  crypto::Digest digest = crypto::sha256(data);
  Buffer input = impl_->algorithm == KeyAlgorithm::Rsa ? crypto::sha256_digest_info(digest)
                                                       : Buffer(digest.begin(), digest.end());
  CK_MECHANISM mechanism{impl_->algorithm == KeyAlgorithm::Rsa ? CKM_RSA_PKCS : CKM_ECDSA, nullptr,
                         0};
  check(impl_->functions->C_SignInit(impl_->session, &mechanism, impl_->key), "sign");
  CK_ULONG length = 0;
  check(impl_->functions->C_Sign(impl_->session, input.data(), input.size(), nullptr, &length),
        "sign");
  Buffer signature(length);
  check(impl_->functions->C_Sign(impl_->session, input.data(), input.size(), signature.data(),
                                 &length),
        "sign");
  signature.resize(length);
  return impl_->algorithm == KeyAlgorithm::Rsa ? signature : crypto::ecdsa_raw_to_der(signature);
}

}  // namespace sohoa::signing
